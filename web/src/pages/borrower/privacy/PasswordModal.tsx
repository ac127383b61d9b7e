import { Form, Input, Modal, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { isWrongPassword } from '../../../api';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { useI18n } from '../../../i18n';

/**
 * Asks for the password again before a call that hands over or removes data.
 * A wrong password is shown on the field and the dialog stays open (the
 * session is kept); any other problem is shown above the form.
 */
export function PasswordModal({ open, title, okText, danger = false, children, onConfirm, onClose }: {
  open: boolean;
  title: string;
  okText: string;
  danger?: boolean;
  children?: ReactNode;
  /** Runs the call; throws its ApiError. */
  onConfirm: (password: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ password: string }>();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  // Kept as a flag, not a text, so that the message follows a change of language.
  const [wrong, setWrong] = useState(false);

  const close = () => {
    setError(null);
    setWrong(false);
    form.resetFields();
    onClose();
  };
  const submit = async ({ password }: { password: string }) => {
    setPending(true);
    setError(null);
    setWrong(false);
    try {
      await onConfirm(password);
      close();
    } catch (reason) {
      if (isWrongPassword(reason)) setWrong(true);
      else setError(reason);
    } finally {
      setPending(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      onCancel={close}
      onOk={() => form.submit()}
      okText={okText}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger }}
      confirmLoading={pending}
      destroyOnHidden
    >
      {children}
      <Typography.Paragraph type="secondary">{t('privacy.passwordWhy')}</Typography.Paragraph>
      <ProblemAlert error={error} />
      <Form form={form} layout="vertical" requiredMark={false} onFinish={submit} onValuesChange={() => setWrong(false)}>
        <Form.Item
          label={t('privacy.password')}
          name="password"
          rules={[{ required: true, message: t('common.required') }]}
          {...(wrong ? { validateStatus: 'error' as const, help: t('privacy.wrongPassword') } : {})}
        >
          <Input.Password autoComplete="current-password" autoFocus />
        </Form.Item>
      </Form>
    </Modal>
  );
}
