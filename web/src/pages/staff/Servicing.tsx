import { Button, Card, Form, Input, Radio, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { StatusTag } from '../../components/Finance';
import { ProblemAlert } from '../../components/ProblemAlert';
import { idNumberValid, money, PHONE_RE } from '../../format';
import { useI18n } from '../../i18n';
import { PERSONAL_DATA_VIEWERS, useAuth } from '../../auth';
import { RevealPersonalData } from './RevealPersonalData';
import type { BorrowerHit, Loan } from '../../api-types';

type By = 'phone' | 'id_number';

export default function Servicing() {
  const { t } = useI18n();
  const { me } = useAuth();
  const canReveal = !!me && PERSONAL_DATA_VIEWERS.includes(me.role);
  const [form] = Form.useForm<{ by: By; query: string }>();
  const [borrowers, setBorrowers] = useState<BorrowerHit[] | null>(null);
  const [loans, setLoans] = useState<Loan[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const search = async (values: { by: By; query: string }) => {
    setPending(true);
    setError(null);
    const query = { [values.by]: values.query.trim().toUpperCase() };
    try {
      const [hits, found] = await Promise.all([
        api.get('/admin/borrowers', { query }),
        api.get('/loans', { query }),
      ]);
      setBorrowers(hits);
      setLoans(found.items);
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('svc.search')}
      </Typography.Title>
      <Card size="small">
        <Form form={form} layout="inline" requiredMark={false} onFinish={search} initialValues={{ by: 'phone' }}>
          <Form.Item label={t('svc.by')} name="by">
            <Radio.Group
              optionType="button"
              options={[
                { value: 'phone', label: t('svc.byPhone') },
                { value: 'id_number', label: t('svc.byId') },
              ]}
            />
          </Form.Item>
          <Form.Item
            label={t('svc.query')}
            name="query"
            dependencies={['by']}
            rules={[
              { required: true, message: t('common.required') },
              ({ getFieldValue }) => ({
                validator: (_, value: string) => {
                  if (!value) return Promise.resolve();
                  const ok = getFieldValue('by') === 'phone' ? PHONE_RE.test(value.trim()) : idNumberValid(value.trim());
                  return ok ? Promise.resolve() : Promise.reject(new Error(t('svc.queryInvalid')));
                },
              }),
            ]}
          >
            <Input style={{ width: 220 }} maxLength={18} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={pending}>
            {t('common.search')}
          </Button>
        </Form>
      </Card>
      <ProblemAlert error={error} />
      {borrowers && (
        <Card size="small" title={t('svc.borrowers')} style={{ marginTop: 12 }}>
          <Table
            size="small"
            rowKey="user_id"
            pagination={false}
            dataSource={borrowers}
            locale={{ emptyText: t('common.none') }}
            columns={[
              { title: t('common.id'), dataIndex: 'user_id' },
              { title: t('auth.phone'), dataIndex: 'phone' },
              { title: t('identity.realName'), dataIndex: 'real_name' },
              { title: t('identity.idNumber'), dataIndex: 'id_number' },
              {
                title: t('uw.identity'),
                dataIndex: 'identity_status',
                render: (s: string | null) => (s ? <StatusTag prefix="identity.status" status={s} /> : t('identity.status.none')),
              },
              ...(canReveal
                ? [{ title: t('common.actions'), render: (_: unknown, hit: BorrowerHit) => <RevealPersonalData borrowerId={hit.user_id} /> }]
                : []),
            ]}
          />
        </Card>
      )}
      {loans && (
        <Card size="small" title={t('svc.loans')} style={{ marginTop: 12 }}>
          <Table
            size="small"
            rowKey="id"
            scroll={{ x: true }}
            pagination={false}
            dataSource={loans}
            locale={{ emptyText: t('common.none') }}
            columns={[
              { title: t('common.id'), dataIndex: 'id', render: (id: number) => <Link to={`/staff/loans/${id}`}>#{id}</Link> },
              { title: t('app.product'), dataIndex: 'product_code' },
              { title: t('common.status'), dataIndex: 'status', render: (s: string) => <StatusTag prefix="loan.status" status={s} /> },
              { title: t('loan.principal'), dataIndex: 'principal', align: 'right', render: money },
              { title: t('home.outstanding'), dataIndex: 'outstanding_principal', align: 'right', render: money },
              { title: t('home.due'), dataIndex: 'amount_due', align: 'right', render: money },
              { title: t('loan.dpd'), dataIndex: 'dpd' },
              { title: t('loan.bucket'), dataIndex: 'bucket' },
              {
                title: t('common.actions'),
                render: (_, loan) => (
                  <Space>
                    <Link to={`/staff/loans/${loan.id}`}>{t('common.details')}</Link>
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}
