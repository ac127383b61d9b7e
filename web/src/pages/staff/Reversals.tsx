import { Alert, App, Button, Card, Space, Table, Typography } from 'antd';
import { Link } from 'react-router';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { ReversalRequest } from '../../api-types';

export default function Reversals() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const state = useApi((signal) => api.get('/reversal-requests', { query: { status: 'pending' }, signal }), []);
  const approve = useAction(async (id: number) => {
    await api.post('/reversal-requests/{id}/approve', { path: { id } });
    return true;
  });
  const reject = useAction(async (id: number) => {
    await api.post('/reversal-requests/{id}/reject', { path: { id } });
    return true;
  });
  const onReject = async (id: number) => {
    if (await reject.run(id)) message.info(t('svc.rejected'));
    state.reload();
  };
  const onApprove = async (id: number) => {
    if (await approve.run(id)) message.success(t('svc.approved'));
    state.reload();
  };
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('svc.pendingReversals')}
      </Typography.Title>
      <Alert type="info" showIcon title={t('svc.makerChecker')} style={{ marginBottom: 12 }} />
      <ProblemAlert error={approve.error} />
      <ProblemAlert error={reject.error} />
      <Card size="small">
        <Async state={state}>
          {(data) => (
            <Table<ReversalRequest>
              size="small"
              rowKey="id"
              scroll={{ x: true }}
              dataSource={Array.isArray(data) ? data : data.items}
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('common.id'), dataIndex: 'id' },
                { title: t('loan.title'), dataIndex: 'loan_id', render: (id?: number) => (id ? <Link to={`/staff/loans/${id}`}>#{id}</Link> : '—') },
                { title: t('loan.events'), dataIndex: 'event_id' },
                { title: t('svc.reason'), dataIndex: 'reason' },
                { title: t('audit.actor'), dataIndex: 'requested_by' },
                { title: t('audit.at'), dataIndex: 'created_at', render: (v: unknown) => dateTime(typeof v === 'string' ? v : null) },
                {
                  title: t('common.actions'),
                  render: (_, r) =>
                    r.status === 'pending' ? (
                      <Space>
                        <Button size="small" type="primary" loading={approve.pending} onClick={() => void onApprove(r.id)}>
                          {t('svc.approve')}
                        </Button>
                        <Button size="small" danger loading={reject.pending} onClick={() => void onReject(r.id)}>
                          {t('svc.reject')}
                        </Button>
                      </Space>
                    ) : (
                      r.status
                    ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
    </>
  );
}
