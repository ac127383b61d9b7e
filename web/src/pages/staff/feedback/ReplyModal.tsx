import { App, Form, Input, Modal, Typography } from 'antd';
import { useEffect } from 'react';
import { api } from '../../../api';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { showFieldErrors } from '../../../forms';
import { useAction } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { Feedback } from '../../../api-types';

const REPLY_MAX = 2000;

/** Answers one feedback (POST /admin/feedback/{id}/reply); a second answer is refused with 409 `feedback_answered`. */
export function ReplyModal({ feedback, onClose, onSettled }: { feedback: Feedback; onClose: () => void; onSettled: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reply: string }>();
  const reply = useAction((text: string) => api.post('/admin/feedback/{id}/reply', { path: { id: feedback.id }, body: { reply: text } }));

  const submit = async (values: { reply: string }) => {
    const answered = await reply.run(values.reply.trim());
    // Either way the list may have changed (someone else may have answered first).
    onSettled();
    if (answered) {
      message.success(t('feedback.replied'));
      onClose();
    }
  };

  useEffect(() => {
    showFieldErrors(form, reply.error, { reply: 'reply' });
  }, [form, reply.error]);

  return (
    <Modal
      open
      title={`${t('feedback.replyTo')} #${feedback.id}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('feedback.sendReply')}
      cancelText={t('common.cancel')}
      confirmLoading={reply.pending}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary" style={{ whiteSpace: 'pre-wrap' }}>
        {feedback.borrower_phone ?? '—'}：{feedback.message}
      </Typography.Paragraph>
      <ProblemAlert error={reply.error} />
      <Form form={form} name="feedback-reply" layout="vertical" requiredMark={false} onFinish={submit}>
        <Form.Item
          label={t('feedback.reply')}
          name="reply"
          rules={[
            { required: true, whitespace: true, message: t('common.required') },
            { max: REPLY_MAX, message: t('feedback.tooLong', { max: REPLY_MAX }) },
          ]}
        >
          <Input.TextArea rows={5} showCount maxLength={REPLY_MAX} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
