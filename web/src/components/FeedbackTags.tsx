import { Tag } from 'antd';
import { useLabel } from '../i18n';
import type { FeedbackCategory, FeedbackStatus } from '../types';

const CATEGORY_COLORS: Record<FeedbackCategory, string> = { question: 'blue', complaint: 'red', suggestion: 'cyan' };

export function FeedbackCategoryTag({ category }: { category: FeedbackCategory }) {
  const label = useLabel();
  return <Tag color={CATEGORY_COLORS[category] ?? 'default'}>{label('feedback.category', category)}</Tag>;
}

export function FeedbackStatusTag({ status }: { status: FeedbackStatus }) {
  const label = useLabel();
  return (
    <Tag color={status === 'answered' ? 'green' : 'orange'} data-testid="feedback-status">
      {label('feedback.status', status)}
    </Tag>
  );
}
