import { Alert, App, Button, Card, Descriptions, Form, Input, Typography } from 'antd';
import { useRef } from 'react';
import { api, newIdempotencyKey } from '../../api';
import { Async } from '../../components/Async';
import { StatusTag } from '../../components/Finance';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime, idNumberValid, PHONE_RE } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n, useLabel } from '../../i18n';
import { loadIdentity } from '../../identity';

interface Values {
  real_name: string;
  id_number: string;
  bank_card: string;
  bank_phone: string;
}

export default function Identity() {
  const { t } = useI18n();
  const label = useLabel();
  const { message } = App.useApp();
  const state = useApi((signal) => loadIdentity(signal), []);
  const key = useRef(newIdempotencyKey());
  const submit = useAction((values: Values) =>
    api.post('/me/identity', {
      body: {
        real_name: values.real_name.trim(),
        id_number: values.id_number.trim().toUpperCase(),
        bank_card: values.bank_card.replace(/\s+/g, ''),
        bank_phone: values.bank_phone.trim(),
      },
      idempotencyKey: key.current,
    }),
  );

  const onFinish = async (values: Values) => {
    const result = await submit.run(values);
    if (result) {
      key.current = newIdempotencyKey();
      state.setData(result);
      if (result.status === 'verified') message.success(t('identity.verifiedDone'));
    }
  };

  return (
    <>
      <Typography.Title level={1}>{t('identity.title')}</Typography.Title>
      <Async state={state}>
        {(identity) => (
          <>
            {identity && (
              <Card title={t('identity.current')} size="small" data-testid="identity-result">
                <Descriptions column={1} size="small">
                  <Descriptions.Item label={t('common.status')}>
                    <StatusTag prefix="identity.status" status={identity.status} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('identity.realName')}>{identity.real_name}</Descriptions.Item>
                  <Descriptions.Item label={t('identity.idNumber')}>{identity.id_number}</Descriptions.Item>
                  <Descriptions.Item label={t('identity.bankCard')}>{identity.bank_card}</Descriptions.Item>
                  <Descriptions.Item label={t('identity.bankPhone')}>{identity.bank_phone}</Descriptions.Item>
                  <Descriptions.Item label={t('common.date')}>{dateTime(identity.updated_at)}</Descriptions.Item>
                  {identity.reasons.length > 0 && (
                    <Descriptions.Item label={t('identity.reasons')}>
                      {identity.reasons.map((r) => label('identity.reason', r)).join('；')}
                    </Descriptions.Item>
                  )}
                  {identity.warnings.length > 0 && (
                    <Descriptions.Item label={t('identity.warnings')}>
                      {identity.warnings.map((r) => label('identity.reason', r)).join('；')}
                    </Descriptions.Item>
                  )}
                </Descriptions>
              </Card>
            )}
            {identity?.status !== 'verified' && (
              <Card size="small">
                <Typography.Paragraph type="secondary">{t('identity.intro')}</Typography.Paragraph>
                <ProblemAlert error={submit.error} />
                <Form layout="vertical" onFinish={onFinish} requiredMark={false}>
                  <Form.Item
                    label={t('identity.realName')}
                    name="real_name"
                    rules={[
                      { required: true, message: t('common.required') },
                      { pattern: /^[^\d]{2,30}$/, message: t('identity.nameRule') },
                    ]}
                  >
                    <Input autoComplete="name" maxLength={30} />
                  </Form.Item>
                  <Form.Item
                    label={t('identity.idNumber')}
                    name="id_number"
                    rules={[
                      { required: true, message: t('common.required') },
                      {
                        validator: (_, value: string) =>
                          !value || idNumberValid(value.trim()) ? Promise.resolve() : Promise.reject(new Error(t('identity.idRule'))),
                      },
                    ]}
                  >
                    <Input maxLength={18} autoComplete="off" />
                  </Form.Item>
                  <Form.Item
                    label={t('identity.bankCard')}
                    name="bank_card"
                    extra={t('identity.sandboxHint')}
                    rules={[
                      { required: true, message: t('common.required') },
                      {
                        validator: (_, value: string) =>
                          !value || /^\d{16,19}$/.test(value.replace(/\s+/g, '')) ? Promise.resolve() : Promise.reject(new Error(t('identity.cardRule'))),
                      },
                    ]}
                  >
                    <Input inputMode="numeric" autoComplete="cc-number" maxLength={23} />
                  </Form.Item>
                  <Form.Item
                    label={t('identity.bankPhone')}
                    name="bank_phone"
                    rules={[
                      { required: true, message: t('common.required') },
                      { pattern: PHONE_RE, message: t('auth.phoneInvalid') },
                    ]}
                  >
                    <Input inputMode="numeric" maxLength={11} autoComplete="tel" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={submit.pending}>
                    {t('common.submit')}
                  </Button>
                </Form>
              </Card>
            )}
            {identity?.status === 'verified' && <Alert type="success" showIcon title={t('identity.verifiedDone')} />}
          </>
        )}
      </Async>
    </>
  );
}
