import { App, Button, Card, Descriptions, Form, Input, Typography } from 'antd';
import { Link } from 'react-router';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { LinkButton } from '../../components/LinkButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime, PASSWORD_RE } from '../../format';
import { useState } from 'react';
import { useI18n } from '../../i18n';
import { DataAccessCard } from './DataAccessCard';
import { SecondFactorCard } from '../staff/SecondFactorCard';

export default function Profile() {
  const { t } = useI18n();
  const { me, logout } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const onFinish = async (values: { current: string; next: string }) => {
    setPending(true);
    setError(null);
    try {
      await api.post('/me/password', { body: { current_password: values.current, new_password: values.next } });
      message.success(t('profile.changed'));
      form.resetFields();
      // The change ended every session, this one too: sign in with the new password.
      await logout();
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };
  const isBorrower = me?.role === 'borrower';
  return (
    <>
      <Typography.Title level={1}>{t('profile.title')}</Typography.Title>
      <Card size="small" title={t('profile.account')}>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('auth.phone')}>{me?.phone}</Descriptions.Item>
          <Descriptions.Item label={t('common.status')}>{me ? t(`role.${me.role}`) : ''}</Descriptions.Item>
          <Descriptions.Item label={t('profile.since')}>{dateTime(me?.created_at)}</Descriptions.Item>
        </Descriptions>
        {isBorrower && (
          <p>
            <Link to="/app/identity">{t('nav.identity')}</Link> · <Link to="/app/applications">{t('nav.applications')}</Link>
          </p>
        )}
        {isBorrower && (
          <p style={{ marginBottom: 0 }}>
            <Link to="/app/privacy">{t('privacy.toPage')}</Link>
          </p>
        )}
      </Card>
      <Card size="small" title={t('profile.changePassword')}>
        <ProblemAlert error={error} />
        <Form form={form} layout="vertical" requiredMark={false} onFinish={onFinish}>
          <Form.Item label={t('profile.current')} name="current" rules={[{ required: true, message: t('common.required') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            label={t('profile.new')}
            name="next"
            extra={t('auth.passwordRule')}
            rules={[
              { required: true, message: t('common.required') },
              { pattern: PASSWORD_RE, message: t('auth.passwordRule') },
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={pending}>
            {t('common.save')}
          </Button>
        </Form>
      </Card>
      {!isBorrower && me && <SecondFactorCard />}
      {isBorrower && <DataAccessCard />}
      {isBorrower && (
        <Card size="small" title={t('nav.feedback')}>
          <Typography.Paragraph type="secondary">{t('profile.feedbackIntro')}</Typography.Paragraph>
          <LinkButton to="/app/feedback">{t('profile.toFeedback')}</LinkButton>
        </Card>
      )}
      <Button danger block onClick={() => void logout()}>
        {t('common.logout')}
      </Button>
    </>
  );
}
