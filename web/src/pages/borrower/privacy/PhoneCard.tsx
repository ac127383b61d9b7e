import { App, Button, Card, Descriptions, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, api, isWrongPassword } from '../../../api';
import { useAuth } from '../../../auth';
import { LinkButton } from '../../../components/LinkButton';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { showFieldErrors } from '../../../forms';
import { PHONE_RE } from '../../../format';
import { useI18n } from '../../../i18n';

type Values = { phone: string; password: string };

/** Corrects the sign-in and contact number (password confirmed); identity data is corrected by verifying again. */
export function PhoneCard({ onCorrected }: { onCorrected: () => void }) {
  const { t } = useI18n();
  const { me, reload } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  // The server's refusals shown on their fields, as flags so that they follow a change of language.
  const [refused, setRefused] = useState<'password' | 'phone' | null>(null);

  const submit = async (values: Values) => {
    setPending(true);
    setError(null);
    setRefused(null);
    try {
      const corrected = await api.put('/me/phone', { body: { phone: values.phone.trim(), password: values.password } });
      message.success(t('privacy.phoneDone', { phone: corrected.phone_masked }));
      form.resetFields();
      onCorrected();
      await reload();
    } catch (reason) {
      if (isWrongPassword(reason)) setRefused('password');
      else if (reason instanceof ApiError && reason.code === 'phone_taken') setRefused('phone');
      else {
        setError(reason);
        showFieldErrors(form, reason, { phone: 'phone', password: 'password' });
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <Card size="small" title={t('privacy.phone')}>
      <Typography.Paragraph type="secondary">{t('privacy.phoneIntro')}</Typography.Paragraph>
      <Descriptions size="small" column={1} style={{ marginBottom: 8 }}>
        <Descriptions.Item label={t('privacy.phoneCurrent')}>
          <strong data-testid="current-phone">{me?.phone}</strong>
        </Descriptions.Item>
      </Descriptions>
      <ProblemAlert error={error} />
      <Form form={form} name="phone-correction" layout="vertical" requiredMark={false} onFinish={submit} onValuesChange={() => setRefused(null)}>
        <Form.Item
          label={t('privacy.phoneNew')}
          name="phone"
          rules={[
            { required: true, message: t('common.required') },
            { pattern: PHONE_RE, message: t('auth.phoneInvalid') },
          ]}
          {...(refused === 'phone' ? { validateStatus: 'error' as const, help: t('privacy.phoneTaken') } : {})}
        >
          <Input inputMode="numeric" autoComplete="tel" maxLength={11} />
        </Form.Item>
        <Form.Item
          label={t('privacy.password')}
          name="password"
          rules={[{ required: true, message: t('common.required') }]}
          {...(refused === 'password' ? { validateStatus: 'error' as const, help: t('privacy.wrongPassword') } : {})}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
          <Button type="primary" htmlType="submit" loading={pending}>
            {t('privacy.phoneSubmit')}
          </Button>
          <LinkButton to="/app/identity">{t('privacy.toIdentity')}</LinkButton>
        </div>
      </Form>
    </Card>
  );
}
