// 客户反馈: the borrowers' feedback, open or answered, and the replies to it.
import { Card, Radio, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import { FEEDBACK_RESPONDERS, useHasRole } from '../../auth';
import { Async } from '../../components/Async';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { FeedbackStatus, Feedback } from '../../api-types';
import { FeedbackTable } from './feedback/FeedbackTable';
import { ReplyModal } from './feedback/ReplyModal';

/** The filter: one status, or '' for all. */
type Filter = FeedbackStatus | '';
const FILTERS: Filter[] = ['open', 'answered', ''];

export default function CustomerFeedback() {
  const { t } = useI18n();
  const canReply = useHasRole(FEEDBACK_RESPONDERS);
  const [status, setStatus] = useState<Filter>('open');
  const [replying, setReplying] = useState<Feedback | null>(null);
  const state = useApi((signal) => api.get('/admin/feedback', { query: { status }, signal }), [status]);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('nav.customerFeedback')}
      </Typography.Title>
      <Card size="small">
        <div style={{ marginBottom: 12 }}>
          <span id="feedback-filter" style={{ marginInlineEnd: 8 }}>
            {t('feedback.filter')}
          </span>
          <Radio.Group
            aria-labelledby="feedback-filter"
            optionType="button"
            value={status}
            onChange={(event) => setStatus(event.target.value as Filter)}
            options={FILTERS.map((value) => ({ value, label: value ? t(`feedback.status.${value}`) : t('feedback.all') }))}
          />
        </div>
        <Async state={state}>{(data) => <FeedbackTable items={data.items} canReply={canReply} onReply={setReplying} />}</Async>
      </Card>
      {replying && <ReplyModal feedback={replying} onClose={() => setReplying(null)} onSettled={state.reload} />}
    </>
  );
}
