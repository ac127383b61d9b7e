import { List, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { FeedbackCategoryTag, FeedbackStatusTag } from '../../../components/FeedbackTags';
import { dateTime } from '../../../format';
import { useI18n } from '../../../i18n';
import type { Feedback } from '../../../api-types';

function Reply({ feedback }: { feedback: Feedback }) {
  const { t } = useI18n();
  if (!feedback.reply) return <Typography.Text type="secondary">{t('feedback.awaitingReply')}</Typography.Text>;
  return (
    <div className="feedback-reply" data-testid="feedback-reply">
      <Typography.Text strong>{t('feedback.staffReply')}</Typography.Text>
      <Typography.Text type="secondary"> · {dateTime(feedback.replied_at)}</Typography.Text>
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0' }}>{feedback.reply}</Typography.Paragraph>
    </div>
  );
}

/** The borrower's own feedback, newest first, each with the staff's reply once there is one. */
export function FeedbackList({ items }: { items: Feedback[] }) {
  const { t } = useI18n();
  return (
    <List<Feedback>
      data-testid="my-feedback"
      dataSource={items}
      locale={{ emptyText: t('feedback.none') }}
      renderItem={(feedback) => (
        <List.Item key={feedback.id} data-testid="feedback-item">
          <Space orientation="vertical" size={4} style={{ width: '100%' }}>
            <Space wrap size={4}>
              <FeedbackCategoryTag category={feedback.category} />
              <FeedbackStatusTag status={feedback.status} />
              <Typography.Text type="secondary">{dateTime(feedback.created_at)}</Typography.Text>
              {feedback.loan_id && <Link to={`/app/loans/${feedback.loan_id}`}>{t('feedback.aboutLoan', { id: feedback.loan_id })}</Link>}
            </Space>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{feedback.message}</Typography.Paragraph>
            <Reply feedback={feedback} />
          </Space>
        </List.Item>
      )}
    />
  );
}
