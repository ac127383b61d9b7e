// 意见反馈: the borrower's questions, complaints and suggestions, and the staff's replies.
import { Button, Card, Typography } from 'antd';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Feedback as FeedbackItem } from '../../api-types';
import { FeedbackForm } from './feedback/FeedbackForm';
import { FeedbackList } from './feedback/FeedbackList';

export default function Feedback() {
  const { t } = useI18n();
  const mine = useApi((signal) => api.get('/me/feedback', { signal }), []);
  // The list is newest first: a new one goes on top (or the list is read again if it never loaded).
  const prepend = (feedback: FeedbackItem) => (mine.data ? mine.setData({ items: [feedback, ...mine.data.items] }) : mine.reload());
  return (
    <>
      <Typography.Title level={1}>{t('feedback.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('feedback.intro')}</Typography.Paragraph>
      <FeedbackForm onSubmitted={prepend} />
      <Card size="small" title={t('feedback.mine')} extra={<Button size="small" type="link" onClick={mine.reload} loading={mine.loading}>{t('common.refresh')}</Button>}>
        <Async state={mine}>{(data) => <FeedbackList items={data.items} />}</Async>
      </Card>
    </>
  );
}
