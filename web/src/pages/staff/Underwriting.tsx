import { Card, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { APPLICATION_STATUSES, type ApplicationStatus } from '../../api-types';
import { Async } from '../../components/Async';
import { StatusTag } from '../../components/Finance';
import { dateTime, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

export default function Underwriting() {
  const { t } = useI18n();
  const [status, setStatus] = useState<ApplicationStatus | ''>('referred');
  const state = useApi((signal) => api.get('/applications', { query: { status: status || undefined }, signal }), [status]);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {status === 'referred' ? t('uw.queue') : t('uw.all')}
      </Typography.Title>
      <Card size="small">
        <label htmlFor="uw-status" style={{ marginInlineEnd: 8 }}>
          {t('uw.filter')}
        </label>
        <Select
          id="uw-status"
          value={status}
          style={{ width: 180, marginBottom: 12 }}
          onChange={setStatus}
          options={[
            ...APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`app.status.${s}`) })),
            { value: '', label: t('uw.all') },
          ]}
        />
        <Async state={state}>
          {(data) => (
            <Table
              size="small"
              rowKey="id"
              scroll={{ x: true }}
              dataSource={data.items}
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('common.id'), dataIndex: 'id', render: (id: number) => <Link to={`/staff/applications/${id}`}>#{id}</Link> },
                { title: t('app.created'), dataIndex: 'created_at', render: dateTime },
                { title: t('app.product'), dataIndex: 'product_code' },
                { title: t('common.amount'), dataIndex: 'amount', align: 'right', render: money },
                { title: t('contract.term'), dataIndex: 'term_months' },
                { title: t('app.score'), render: (_, a) => a.decision?.score ?? '—' },
                { title: t('app.grade'), render: (_, a) => a.decision?.grade ?? '—' },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <StatusTag prefix="app.status" status={s} /> },
                { title: t('common.actions'), render: (_, a) => <Link to={`/staff/applications/${a.id}`}>{t('common.details')}</Link> },
              ]}
            />
          )}
        </Async>
      </Card>
    </>
  );
}
