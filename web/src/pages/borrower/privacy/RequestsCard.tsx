import { Button, Card, List, Space, Tag, Typography } from 'antd';
import { Async } from '../../../components/Async';
import { dateTime } from '../../../format';
import type { AsyncState } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { DataRightsRequest, DataRightsStatus } from '../../../api-types';

export const STATUS_COLOR: Record<DataRightsStatus, string> = { received: 'processing', completed: 'success', refused: 'error' };

/** The borrower's requests, newest first: what, where it stands, by when, why refused. */
export function RequestsCard({ state }: { state: AsyncState<{ requests: DataRightsRequest[] }> }) {
  const { t } = useI18n();
  return (
    <Card
      size="small"
      title={t('privacy.requests')}
      extra={<Button size="small" type="link" onClick={state.reload} loading={state.loading}>{t('common.refresh')}</Button>}
    >
      <Async state={state}>
        {(data) => (
          <List
            size="small"
            dataSource={data.requests}
            locale={{ emptyText: t('common.none') }}
            renderItem={(request) => (
              <List.Item data-testid="rights-request" style={{ display: 'block', paddingInline: 0 }}>
                <Space wrap size={4}>
                  <strong>{t(`rights.kind.${request.kind}`)}</strong>
                  <span style={{ color: '#888' }}>#{request.id}</span>
                  <Tag color={STATUS_COLOR[request.status]}>{t(`rights.status.${request.status}`)}</Tag>
                  {request.overdue && <Tag color="warning">{t('rights.overdue')}</Tag>}
                </Space>
                <div>
                  <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                    {t('privacy.received', { at: dateTime(request.received_at) })}
                    {request.status === 'received' ? <> · {t('privacy.due', { date: request.due_on })}</> : request.decided_at ? <> · {t('privacy.decided', { at: dateTime(request.decided_at) })}</> : null}
                  </Typography.Text>
                </div>
                {request.outcome && <div>{t('privacy.refusedBecause', { reason: t(`rights.reason.${request.outcome}`) })}</div>}
                {request.retain_until && <div style={{ fontSize: 13 }}>{t('privacy.retainUntil', { date: request.retain_until })}</div>}
              </List.Item>
            )}
          />
        )}
      </Async>
    </Card>
  );
}
