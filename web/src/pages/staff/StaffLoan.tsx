import { Alert, App, Button, Form, Input, Modal, Table, Typography } from 'antd';
import { useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { Async } from '../../components/Async';
import { LoanFacts, LoanTabs } from '../../components/Loan';
import { ProblemAlert } from '../../components/ProblemAlert';
import { money } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { LoanEvent } from '../../api-types';

const REVERSIBLE = ['repayment', 'prepayment', 'payoff'];

function Ledger({ loanId, tick }: { loanId: number; tick: number }) {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/loans/{id}/ledger', { path: { id: Number(loanId) }, signal }), [loanId, tick]);
  return (
    <Async state={state}>
      {(data) => (
        <Table
          size="small"
          rowKey="id"
          scroll={{ x: true }}
          dataSource={data.items}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('common.id'), dataIndex: 'id' },
            { title: t('common.date'), dataIndex: 'date' },
            { title: t('loan.kind'), dataIndex: 'kind' },
            { title: t('loan.debit'), dataIndex: 'debit' },
            { title: t('loan.creditAcc'), dataIndex: 'credit' },
            { title: t('common.amount'), dataIndex: 'amount', align: 'right', render: money },
          ]}
        />
      )}
    </Async>
  );
}

export default function StaffLoan() {
  const { id } = useParams();
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const [tick, setTick] = useState(0);
  const [target, setTarget] = useState<LoanEvent | null>(null);
  const [form] = Form.useForm<{ reason: string }>();
  const state = useApi((signal) => api.get('/loans/{id}', { path: { id: Number(id) }, signal }), [id, tick]);
  const request = useAction((eventId: number, reason: string) =>
    api.post('/loans/{id}/events/{event_id}/reversal-requests', { path: { id: Number(id), event_id: eventId }, body: { reason } }),
  );
  const canRequest = me?.role === 'underwriter' || me?.role === 'admin';

  const submit = async (values: { reason: string }) => {
    if (!target) return;
    const result = await request.run(target.id, values.reason.trim());
    if (result) {
      message.success(t('svc.requested'));
      setTarget(null);
      form.resetFields();
      setTick((n) => n + 1);
    }
  };

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('loan.title')} #{id}
      </Typography.Title>
      <Async state={state}>
        {(loan) => (
          <>
            <LoanFacts loan={loan} />
            <LoanTabs
              loan={loan}
              tick={tick}
              extraTabs={[{ key: 'ledger', label: t('loan.ledger'), children: <Ledger loanId={loan.id} tick={tick} /> }]}
              eventAction={(event) =>
                canRequest && REVERSIBLE.includes(event.event.type) && !event.reversed ? (
                  <Button size="small" danger onClick={() => setTarget(event)}>
                    {t('svc.requestReversal')}
                  </Button>
                ) : null
              }
            />
          </>
        )}
      </Async>
      <Modal
        open={target !== null}
        title={`${t('svc.requestReversal')} #${target?.id ?? ''}`}
        onCancel={() => setTarget(null)}
        onOk={() => form.submit()}
        confirmLoading={request.pending}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Alert type="warning" showIcon title={t('svc.makerChecker')} style={{ marginBottom: 12 }} />
        <ProblemAlert error={request.error} />
        <Form form={form} layout="vertical" requiredMark={false} onFinish={submit}>
          <Form.Item label={t('svc.reason')} name="reason" rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input.TextArea rows={3} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
