import { Alert, App, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import type { Enrolment } from '../../api-types';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

const CODE_RULE = { pattern: /^\s*\d{6}\s*$/ };

/** The secret in groups of four, as people copy it into an app. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** A member of staff's authenticator app: set it up (password, then the
 * QR code and a first code), or remove it (password and a code). */
export function SecondFactorCard() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const state = useApi((signal) => api.get('/me/second-factor', { signal }), []);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const run = async (action: () => Promise<void>) => {
    setPending(true);
    setError(null);
    try {
      await action();
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };
  const start = (values: { password: string }) =>
    run(async () => {
      setEnrolment(await api.post('/me/second-factor/enrolment', { body: { password: values.password } }));
    });
  const confirm = (values: { code: string }) =>
    run(async () => {
      state.setData(await api.post('/me/second-factor/confirmation', { body: { code: values.code.trim() } }));
      setEnrolment(null);
      message.success(t('otp.enabled'));
    });
  const remove = (values: { password: string; code: string }) =>
    run(async () => {
      await api.post('/me/second-factor/removal', { body: { password: values.password, code: values.code.trim() } });
      message.success(t('otp.removed'));
      state.reload();
    });

  const codeItem = (
    <Form.Item
      label={t('auth.otp')}
      name="code"
      rules={[{ required: true, message: t('common.required') }, { ...CODE_RULE, message: t('auth.otpFormat') }]}
    >
      <Input inputMode="numeric" autoComplete="one-time-code" maxLength={8} />
    </Form.Item>
  );
  const passwordItem = (
    <Form.Item label={t('auth.password')} name="password" rules={[{ required: true, message: t('common.required') }]}>
      <Input.Password autoComplete="current-password" />
    </Form.Item>
  );

  return (
    <Card size="small" title={t('otp.title')} data-testid="second-factor">
      <Async state={state}>
        {(status) => (
          <>
            <ProblemAlert error={error} />
            {status.enrolled ? (
              <>
                <Alert type="success" showIcon title={t('otp.on', { date: dateTime(status.enrolled_at) })} style={{ marginBottom: 16 }} />
                {status.required ? (
                  <Typography.Paragraph type="secondary">{t('otp.requiredKeep')}</Typography.Paragraph>
                ) : (
                  <Form layout="vertical" requiredMark={false} onFinish={remove}>
                    <Typography.Paragraph type="secondary">{t('otp.removeIntro')}</Typography.Paragraph>
                    {passwordItem}
                    {codeItem}
                    <Button danger htmlType="submit" loading={pending}>
                      {t('otp.remove')}
                    </Button>
                  </Form>
                )}
              </>
            ) : enrolment ? (
              <Form layout="vertical" requiredMark={false} onFinish={confirm}>
                <Typography.Paragraph>{t('otp.scan')}</Typography.Paragraph>
                <img
                  src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`}
                  alt={t('otp.qrAlt')}
                  width={200}
                  height={200}
                  style={{ display: 'block', marginBottom: 12 }}
                  data-testid="otp-qr"
                />
                <Typography.Paragraph type="secondary" style={{ marginBottom: 4 }}>
                  {t('otp.typeInstead')}
                </Typography.Paragraph>
                <Typography.Paragraph copyable={{ text: enrolment.secret }} code data-testid="otp-secret" style={{ wordBreak: 'break-all' }}>
                  {grouped(enrolment.secret)}
                </Typography.Paragraph>
                {codeItem}
                <Space wrap>
                  <Button type="primary" htmlType="submit" loading={pending}>
                    {t('otp.confirm')}
                  </Button>
                  <Button onClick={() => setEnrolment(null)}>{t('common.cancel')}</Button>
                </Space>
              </Form>
            ) : (
              <Form layout="vertical" requiredMark={false} onFinish={start}>
                {status.required && <Alert type="warning" showIcon title={t('otp.required')} style={{ marginBottom: 16 }} />}
                <Typography.Paragraph type="secondary">{t('otp.intro')}</Typography.Paragraph>
                {passwordItem}
                <Button type="primary" htmlType="submit" loading={pending}>
                  {t('otp.start')}
                </Button>
              </Form>
            )}
          </>
        )}
      </Async>
    </Card>
  );
}
