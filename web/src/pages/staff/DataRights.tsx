// 个人信息权利请求: every borrower's data-rights requests, with a request's
// audit trail; admins carry out or refuse an erasure, auditors only read.
import { Alert, App, Button, Card, Descriptions, Drawer, List, Popconfirm, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import { ADMINS, useHasRole } from '../../auth';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { DATA_RIGHTS_STATUSES, REFUSAL_REASONS } from '../../api-types';
import type { AuditEntry, DataRightsRequest, DataRightsStatus, RefusalReason } from '../../api-types';
import { STATUS_COLOR } from '../borrower/privacy/RequestsCard';

/** The filter: one status, or '' for all. */
type Filter = DataRightsStatus | '';
const FILTERS: Filter[] = [...DATA_RIGHTS_STATUSES, ''];

function json(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

function StatusTags({ request }: { request: DataRightsRequest }) {
  const { t } = useI18n();
  return (
    <Space size={4} wrap>
      <Tag color={STATUS_COLOR[request.status]} style={{ marginInlineEnd: 0 }}>
        {t(`rights.status.${request.status}`)}
      </Tag>
      {request.overdue && (
        <Tag color="warning" style={{ marginInlineEnd: 0 }}>
          {t('rights.overdue')}
        </Tag>
      )}
    </Space>
  );
}

/** One request, its audit trail, and (for an admin, while received) complete and refuse. */
function RequestDrawer({ id, onClose, onDecided }: { id: number; onClose: () => void; onDecided: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const canDecide = useHasRole(ADMINS);
  const detail = useApi((signal) => api.get('/admin/data-rights-requests/{id}', { path: { id }, signal }), [id]);
  const [reason, setReason] = useState<RefusalReason | undefined>(undefined);
  const complete = useAction(() => api.post('/admin/data-rights-requests/{id}/complete', { path: { id } }));
  const refuse = useAction((why: RefusalReason) => api.post('/admin/data-rights-requests/{id}/refuse', { path: { id }, body: { reason: why } }));

  const settle = (done: DataRightsRequest | undefined, key: 'rights.completed' | 'rights.refused') => {
    // Either way the queue may have changed (another admin may have decided first).
    onDecided();
    detail.reload();
    if (done) message.success(t(key, { id: done.id }));
  };

  return (
    <Drawer open title={t('rights.detail', { id })} onClose={onClose} size={640} destroyOnHidden>
      <Async state={detail}>
        {({ request, audit }) => (
          <>
            <Descriptions size="small" column={1} bordered data-testid="rights-detail">
              <Descriptions.Item label={t('rights.kind')}>{t(`rights.kind.${request.kind}`)}</Descriptions.Item>
              <Descriptions.Item label={t('common.status')}>
                <StatusTags request={request} />
              </Descriptions.Item>
              <Descriptions.Item label={t('rights.borrower')}>#{request.user_id}</Descriptions.Item>
              <Descriptions.Item label={t('rights.receivedAt')}>{dateTime(request.received_at)}</Descriptions.Item>
              <Descriptions.Item label={t('rights.dueOn')}>{request.due_on}</Descriptions.Item>
              <Descriptions.Item label={t('rights.decidedAt')}>{dateTime(request.decided_at)}</Descriptions.Item>
              <Descriptions.Item label={t('rights.decidedBy')}>{request.decided_by ? `#${request.decided_by}` : '—'}</Descriptions.Item>
              {request.outcome && <Descriptions.Item label={t('rights.outcome')}>{t(`rights.reason.${request.outcome}`)}</Descriptions.Item>}
              {request.retain_until && <Descriptions.Item label={t('rights.retainUntil')}>{request.retain_until}</Descriptions.Item>}
            </Descriptions>

            {request.status === 'received' && (
              <Card size="small" style={{ marginTop: 16 }}>
                <ProblemAlert error={complete.error ?? refuse.error} />
                {canDecide ? (
                  <Space wrap>
                    {request.kind === 'erasure' && (
                      <Popconfirm
                        title={t('rights.complete')}
                        description={<div style={{ maxWidth: 320 }}>{t('rights.completeConfirm', { id: request.user_id })}</div>}
                        okText={t('common.confirm')}
                        cancelText={t('common.cancel')}
                        okButtonProps={{ danger: true }}
                        onConfirm={async () => settle(await complete.run(), 'rights.completed')}
                      >
                        <Button type="primary" danger loading={complete.pending} disabled={refuse.pending}>
                          {t('rights.complete')}
                        </Button>
                      </Popconfirm>
                    )}
                    <Select<RefusalReason>
                      aria-label={t('rights.refuseReason')}
                      placeholder={t('rights.refuseReason')}
                      value={reason}
                      onChange={setReason}
                      style={{ minWidth: 240 }}
                      options={REFUSAL_REASONS.map((value) => ({ value, label: t(`rights.reason.${value}`) }))}
                    />
                    <Button
                      disabled={!reason || complete.pending}
                      loading={refuse.pending}
                      onClick={async () => reason && settle(await refuse.run(reason), 'rights.refused')}
                    >
                      {t('rights.refuse')}
                    </Button>
                  </Space>
                ) : (
                  <Alert type="info" showIcon title={t('rights.readOnly')} />
                )}
              </Card>
            )}

            <Typography.Title level={2} style={{ fontSize: 16, marginTop: 20 }}>
              {t('rights.trail')}
            </Typography.Title>
            <List<AuditEntry>
              size="small"
              bordered
              dataSource={audit}
              data-testid="rights-trail"
              locale={{ emptyText: t('common.none') }}
              renderItem={(entry) => (
                <List.Item style={{ display: 'block' }}>
                  <Space wrap size={[12, 0]}>
                    <span>{dateTime(entry.at)}</span>
                    <code>{entry.action}</code>
                    <span>
                      {t('audit.actor')} {entry.actor_id ? `#${entry.actor_id}` : '—'}
                    </span>
                    {entry.client_address && (
                      <span>
                        {t('rights.client')} {entry.client_address}
                      </span>
                    )}
                  </Space>
                  {(entry.before != null || entry.after != null) && (
                    <div>
                      <code style={{ fontSize: 12, wordBreak: 'break-all', color: '#555' }}>
                        {json(entry.before)}
                        {entry.before != null && entry.after != null ? ' → ' : ''}
                        {json(entry.after)}
                      </code>
                    </div>
                  )}
                </List.Item>
              )}
            />
          </>
        )}
      </Async>
    </Drawer>
  );
}

export default function DataRights() {
  const { t } = useI18n();
  const canDecide = useHasRole(ADMINS);
  const [status, setStatus] = useState<Filter>('received');
  const [selected, setSelected] = useState<number | null>(null);
  const state = useApi((signal) => api.get('/admin/data-rights-requests', { query: { status: status || undefined }, signal }), [status]);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('rights.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('rights.intro')}</Typography.Paragraph>
      {!canDecide && <Alert type="info" showIcon title={t('rights.readOnly')} style={{ marginBottom: 12 }} />}
      <Card size="small">
        <div style={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', alignItems: 'center', gap: 8, marginBottom: 12 }}>
          <Space wrap>
            <span id="rights-filter">{t('rights.filter')}</span>
            <Radio.Group
              aria-labelledby="rights-filter"
              optionType="button"
              value={status}
              onChange={(event) => setStatus(event.target.value as Filter)}
              options={FILTERS.map((value) => ({ value, label: value ? t(`rights.status.${value}`) : t('rights.all') }))}
            />
          </Space>
          <Button onClick={state.reload} loading={state.loading}>
            {t('common.refresh')}
          </Button>
        </div>
        <Async state={state}>
          {(data) => (
            <Table<DataRightsRequest>
              size="small"
              rowKey="id"
              pagination={false}
              scroll={{ x: 'max-content' }}
              dataSource={data.requests}
              data-testid="rights-queue"
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('common.id'), dataIndex: 'id', width: 70 },
                { title: t('rights.borrower'), dataIndex: 'user_id', render: (id: number) => `#${id}` },
                { title: t('rights.kind'), dataIndex: 'kind', render: (kind: DataRightsRequest['kind']) => t(`rights.kind.${kind}`) },
                { title: t('common.status'), render: (_, request) => <StatusTags request={request} /> },
                { title: t('rights.receivedAt'), dataIndex: 'received_at', render: dateTime },
                { title: t('rights.dueOn'), dataIndex: 'due_on' },
                { title: t('rights.decidedAt'), dataIndex: 'decided_at', render: dateTime },
                {
                  title: t('rights.outcome'),
                  dataIndex: 'outcome',
                  render: (outcome: DataRightsRequest['outcome']) => (outcome ? t(`rights.reason.${outcome}`) : '—'),
                },
                {
                  title: t('common.actions'),
                  render: (_, request) => (
                    <Button size="small" onClick={() => setSelected(request.id)} aria-label={`${t('common.details')} ${request.id}`}>
                      {t('common.details')}
                    </Button>
                  ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
      {selected !== null && <RequestDrawer id={selected} onClose={() => setSelected(null)} onDecided={state.reload} />}
    </>
  );
}
