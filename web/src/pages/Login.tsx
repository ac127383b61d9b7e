import { Alert, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { homeFor, useAuth } from '../auth';
import { ApiError } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { PHONE_RE } from '../format';
import { useI18n } from '../i18n';
import { AuthShell } from './AuthShell';

export function Login() {
  const { t } = useI18n();
  const { me, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  // Set once the password was right and the account asks for its
  // authenticator code: the form then asks for the code only.
  const [credentials, setCredentials] = useState<{ phone: string; password: string } | null>(null);
  const state = (location.state ?? {}) as { from?: string; registered?: boolean; phone?: string };
  if (me) return <Navigate to={homeFor(me.role)} replace />;

  const attempt = async (phone: string, password: string, otp?: string) => {
    setPending(true);
    setError(null);
    try {
      const profile = await login(phone, password, otp);
      const from = state.from && state.from !== '/login' ? state.from : null;
      navigate(from ?? homeFor(profile.role), { replace: true });
    } catch (reason) {
      if (reason instanceof ApiError && reason.code === 'otp_required') {
        setCredentials({ phone, password });
      } else {
        setError(reason);
      }
    } finally {
      setPending(false);
    }
  };

  if (credentials) {
    const invalid = error instanceof ApiError && error.code === 'otp_invalid';
    return (
      <AuthShell title={t('auth.otpTitle')}>
        <Typography.Paragraph type="secondary">{t('auth.otpIntro')}</Typography.Paragraph>
        {!invalid && <ProblemAlert error={error} />}
        <Form
          layout="vertical"
          requiredMark={false}
          onFinish={(values: { otp: string }) => void attempt(credentials.phone, credentials.password, values.otp.trim())}
        >
          <Form.Item
            label={t('auth.otp')}
            name="otp"
            validateStatus={invalid ? 'error' : undefined}
            help={invalid ? t('auth.otpInvalid') : undefined}
            rules={[
              { required: true, message: t('common.required') },
              { pattern: /^\s*\d{6}\s*$/, message: t('auth.otpFormat') },
            ]}
          >
            <Input inputMode="numeric" autoComplete="one-time-code" maxLength={8} size="large" autoFocus />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={pending}>
            {t('auth.login')}
          </Button>
        </Form>
        <Button
          type="link"
          style={{ marginTop: 8, paddingInline: 0 }}
          onClick={() => {
            setCredentials(null);
            setError(null);
          }}
        >
          {t('auth.otpBack')}
        </Button>
      </AuthShell>
    );
  }

  const submit = (values: { phone: string; password: string }) => void attempt(values.phone.trim(), values.password);

  return (
    <AuthShell title={t('auth.login')}>
      {state.registered && <Alert type="success" showIcon title={t('auth.registered')} style={{ marginBottom: 16 }} />}
      {error instanceof ApiError && error.code === 'otp_enrolment_required' ? (
        <Alert type="warning" showIcon role="alert" title={t('auth.otpEnrolmentRequired')} style={{ marginBottom: 16 }} />
      ) : (
        <ProblemAlert error={error} />
      )}
      <Form layout="vertical" onFinish={submit} requiredMark={false} initialValues={{ phone: state.phone ?? '' }}>
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
        <Form.Item label={t('auth.password')} name="password" rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={pending}>
          {t('auth.login')}
        </Button>
      </Form>
      <div style={{ display: 'flex', justifyContent: 'space-between', marginTop: 16, flexWrap: 'wrap', gap: 8 }}>
        <Link to="/register">{t('auth.toRegister')}</Link>
        <Link to="/calculator">{t('auth.calculatorLink')}</Link>
      </div>
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
        {t('auth.demoHint')}
      </Typography.Paragraph>
    </AuthShell>
  );
}
