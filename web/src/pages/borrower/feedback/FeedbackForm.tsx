import { App, Button, Card, Form, Input, Radio, Select } from 'antd';
import { useEffect, useRef } from 'react';
import { api, newIdempotencyKey } from '../../../api';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { showFieldErrors } from '../../../forms';
import { money } from '../../../format';
import { useAction, useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { FEEDBACK_CATEGORIES, type Feedback, type FeedbackCategory } from '../../../api-types';

export const MESSAGE_MAX = 2000;

interface Values {
  category: FeedbackCategory;
  message: string;
  loan_id?: number;
}

/** Which of the borrower's loans the feedback is about (optional). */
function LoanSelect({ id, value, onChange }: { id?: string; value?: number; onChange?: (loanId: number | undefined) => void }) {
  const { t } = useI18n();
  const loans = useApi((signal) => api.get('/loans', { signal }), []);
  return (
    <>
      <Select<number>
        id={id}
        value={value}
        onChange={onChange}
        allowClear
        loading={loans.loading}
        placeholder={t('feedback.noLoan')}
        notFoundContent={t('home.noLoans')}
        options={(loans.data?.items ?? []).map((loan) => ({ value: loan.id, label: `#${loan.id} ${loan.product_code} ${money(loan.principal)}` }))}
      />
      <ProblemAlert error={loans.error} onRetry={loans.reload} />
    </>
  );
}

/** Sends one question, complaint or suggestion (POST /me/feedback, with an Idempotency-Key). */
export function FeedbackForm({ onSubmitted }: { onSubmitted: (feedback: Feedback) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  // Kept until the server accepts, so that a retry after a lost answer cannot file it twice.
  const key = useRef(newIdempotencyKey());
  const send = useAction((values: Values) =>
    api.post('/me/feedback', {
      body: { category: values.category, message: values.message.trim(), ...(values.loan_id ? { loan_id: values.loan_id } : {}) },
      idempotencyKey: key.current,
    }),
  );

  const submit = async (values: Values) => {
    const feedback = await send.run(values);
    if (feedback) {
      key.current = newIdempotencyKey();
      message.success(t('feedback.sent'));
      form.resetFields();
      onSubmitted(feedback);
    }
  };

  useEffect(() => {
    showFieldErrors(form, send.error, { category: 'category', message: 'message', loan_id: 'loan_id' });
  }, [form, send.error]);

  return (
    <Card size="small" title={t('feedback.new')}>
      <ProblemAlert error={send.error} />
      <Form form={form} name="feedback" layout="vertical" requiredMark={false} initialValues={{ category: 'question' }} onFinish={submit}>
        <Form.Item label={t('feedback.category')} name="category" rules={[{ required: true, message: t('common.required') }]}>
          <Radio.Group optionType="button" options={FEEDBACK_CATEGORIES.map((category) => ({ value: category, label: t(`feedback.category.${category}`) }))} />
        </Form.Item>
        <Form.Item
          label={t('feedback.message')}
          name="message"
          rules={[
            { required: true, whitespace: true, message: t('common.required') },
            { max: MESSAGE_MAX, message: t('feedback.tooLong', { max: MESSAGE_MAX }) },
          ]}
        >
          <Input.TextArea rows={4} showCount maxLength={MESSAGE_MAX} placeholder={t('feedback.placeholder')} />
        </Form.Item>
        <Form.Item label={t('feedback.loan')} name="loan_id">
          <LoanSelect />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={send.pending}>
          {t('common.submit')}
        </Button>
      </Form>
    </Card>
  );
}
