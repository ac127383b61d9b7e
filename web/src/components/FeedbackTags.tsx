import { Tag } from 'antd';
import { useLabel } from '../i18n';
import type { FeedbackCategory, FeedbackStatus } from '../api-types';

const CATEGORY_COLORS: Record<FeedbackCategory, string> = { question: 'blue', complaint: 'red', suggestion: 'cyan' };

/** The API sends the category and status as strings; unknown ones show as given. */
export function FeedbackCategoryTag({ category }: { category: FeedbackCategory | string }) {
  const label = useLabel();
  return <Tag color={CATEGORY_COLORS[category as FeedbackCategory] ?? 'default'}>{label('feedback.category', category)}</Tag>;
}

export function FeedbackStatusTag({ status }: { status: FeedbackStatus | string }) {
  const label = useLabel();
  return (
    <Tag color={status === 'answered' ? 'green' : 'orange'} data-testid="feedback-status">
      {label('feedback.status', status)}
    </Tag>
  );
}
