import { Button, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { Link } from 'react-router';
import { FeedbackCategoryTag, FeedbackStatusTag } from '../../../components/FeedbackTags';
import { dateTime } from '../../../format';
import { useI18n } from '../../../i18n';
import type { Feedback } from '../../../api-types';

const multiline = { whiteSpace: 'pre-wrap', margin: 0, minWidth: 200, maxWidth: 420 } as const;

export function FeedbackTable({ items, canReply, onReply }: { items: Feedback[]; canReply: boolean; onReply: (feedback: Feedback) => void }) {
  const { t } = useI18n();
  const columns: ColumnsType<Feedback> = [
    { title: t('common.id'), dataIndex: 'id', width: 56 },
    { title: t('feedback.createdAt'), dataIndex: 'created_at', render: dateTime },
    { title: t('uw.borrower'), dataIndex: 'borrower_phone', render: (phone?: string) => phone ?? '—' },
    { title: t('feedback.category'), dataIndex: 'category', render: (_, item) => <FeedbackCategoryTag category={item.category} /> },
    { title: t('feedback.message'), dataIndex: 'message', render: (text: string) => <Typography.Paragraph style={multiline}>{text}</Typography.Paragraph> },
    { title: t('feedback.loan'), dataIndex: 'loan_id', render: (id: number | null) => (id ? <Link to={`/staff/loans/${id}`}>#{id}</Link> : '—') },
    { title: t('common.status'), dataIndex: 'status', render: (_, item) => <FeedbackStatusTag status={item.status} /> },
    {
      title: t('feedback.reply'),
      dataIndex: 'reply',
      render: (_, item) =>
        item.reply ? (
          <>
            <Typography.Paragraph style={multiline}>{item.reply}</Typography.Paragraph>
            <Typography.Text type="secondary">{dateTime(item.replied_at)}</Typography.Text>
          </>
        ) : (
          '—'
        ),
    },
    ...(canReply
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, item: Feedback) =>
              item.status === 'open' && (
                <Button size="small" type="primary" onClick={() => onReply(item)} aria-label={`${t('feedback.replyTo')} #${item.id}`}>
                  {t('feedback.replyTo')}
                </Button>
              ),
          },
        ]
      : []),
  ];
  return <Table<Feedback> size="small" rowKey="id" scroll={{ x: true }} dataSource={items} columns={columns} locale={{ emptyText: t('common.none') }} />;
}
