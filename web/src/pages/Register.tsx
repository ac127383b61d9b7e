import { Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { request } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { PASSWORD_RE, PHONE_RE } from '../format';
import { useI18n } from '../i18n';
import { AuthShell } from './AuthShell';

export function Register() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = async (values: { phone: string; password: string }) => {
    setPending(true);
    setError(null);
    try {
      const phone = values.phone.trim();
      await request('POST', '/auth/register', { body: { phone, password: values.password }, auth: false });
      navigate('/login', { state: { registered: true, phone } });
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };

  return (
    <AuthShell title={t('auth.register')}>
      <ProblemAlert error={error} />
      <Form layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item
          label={t('auth.phone')}
          name="phone"
          rules={[
            { required: true, message: t('common.required') },
            { pattern: PHONE_RE, message: t('auth.phoneInvalid') },
          ]}
        >
          <Input inputMode="numeric" autoComplete="username" maxLength={11} size="large" />
        </Form.Item>
        <Form.Item
          label={t('auth.password')}
          name="password"
          extra={t('auth.passwordRule')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: PASSWORD_RE, message: t('auth.passwordRule') },
          ]}
        >
          <Input.Password autoComplete="new-password" size="large" />
        </Form.Item>
        <Form.Item
          label={t('auth.password2')}
          name="password2"
          dependencies={['password']}
          rules={[
            { required: true, message: t('common.required') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('auth.passwordMismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" size="large" />
        </Form.Item>
        {/* The consent the account is created with (the server records this version on registration). */}
        <div data-testid="register-consent" style={{ background: '#f5f7fa', borderRadius: 8, padding: '8px 12px', marginBottom: 16, fontSize: 13 }}>
          <Typography.Text strong style={{ fontSize: 13 }}>
            {t('consent.registerAgree', { version: t('consent.version') })}
          </Typography.Text>
          <Typography.Paragraph type="secondary" style={{ fontSize: 13, margin: '4px 0 0' }}>
            {t('consent.personal_information.text')}
          </Typography.Paragraph>
        </div>
        <Button type="primary" htmlType="submit" block size="large" loading={pending}>
          {t('auth.register')}
        </Button>
      </Form>
      <div style={{ marginTop: 16 }}>
        <Link to="/login">{t('auth.toLogin')}</Link>
      </div>
    </AuthShell>
  );
}
