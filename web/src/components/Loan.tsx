import { Card, Descriptions, Table, Tabs, Tag } from 'antd';
import type { ReactNode } from 'react';
import { api } from '../api';
import { dateTime, money } from '../format';
import { useApi } from '../hooks';
import { useI18n, useLabel, type T } from '../i18n';
import type { Key } from '../messages';
import type { Allocation, Loan, LoanEvent, Payment } from '../api-types';
import { Async } from './Async';
import { LoanScheduleTable, StatusTag } from './Finance';

export function LoanFacts({ loan, extra }: { loan: Loan; extra?: ReactNode }) {
  const { t } = useI18n();
  const label = useLabel();
  return (
    <Card size="small" data-testid="loan-facts" title={<span>#{loan.id} {loan.product_code} <StatusTag prefix="loan.status" status={loan.status} /></span>} extra={extra}>
      <div className="figure-row" style={{ marginBottom: 12 }}>
        <div>
          <div className="figure-label">{t('home.due')}</div>
          <div className="figure-value" data-testid="amount-due" style={{ color: loan.amount_due !== '0.00' ? '#cf1322' : undefined }}>
            {money(loan.amount_due)}
          </div>
        </div>
        <div>
          <div className="figure-label">{t('home.nextDue')}</div>
          <div className="figure-value">
            {loan.next_due_date ? `${loan.next_due_date} · ${money(loan.next_due_amount)}` : '—'}
          </div>
        </div>
        <div>
          <div className="figure-label">{t('home.outstanding')}</div>
          <div className="figure-value" data-testid="outstanding">{money(loan.outstanding_principal)}</div>
        </div>
        <div>
          <div className="figure-label">{t('app.annualRate')}</div>
          <div className="figure-value" style={{ color: '#cf1322' }}>{loan.annual_rate_percent}</div>
        </div>
      </div>
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }}>
        <Descriptions.Item label={t('loan.principal')}>{money(loan.principal)}</Descriptions.Item>
        <Descriptions.Item label={t('app.annualRate')}>{loan.annual_rate_percent}</Descriptions.Item>
        <Descriptions.Item label={t('loan.start')}>{loan.start_date}</Descriptions.Item>
        <Descriptions.Item label={t('loan.maturity')}>{loan.maturity_date ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('loan.dpd')}>{loan.dpd}</Descriptions.Item>
        <Descriptions.Item label={t('loan.bucket')}>{loan.bucket}</Descriptions.Item>
        <Descriptions.Item label={t('loan.classification')}>{label('class', loan.classification)}</Descriptions.Item>
        <Descriptions.Item label={t('loan.credit')}>{money(loan.credit_balance)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

const COMPONENT_LABELS: Record<keyof Allocation & string, Key> = {
  principal: 'sched.principal',
  interest: 'sched.interest',
  fee: 'sched.fee',
  penalty: 'sched.penalty',
  credit: 'loan.credit',
  suspense: 'loan.suspense',
};

/** How a payment was split, as text: "本金 ¥500.00 · 利息 ¥12.30"; zero parts left out. */
export function allocationText(value: Allocation | null | undefined, t: T): string {
  if (!value) return '';
  return Object.entries(value)
    .filter(([, amount]) => amount && amount !== '0.00')
    .map(([key, amount]) => `${key in COMPONENT_LABELS ? t(COMPONENT_LABELS[key as keyof typeof COMPONENT_LABELS]) : key} ${money(amount)}`)
    .join(' · ');
}

export function PaymentsTable({ loanId, tick }: { loanId: number | string; tick: number }) {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/loans/{id}/payments', { path: { id: Number(loanId) }, signal }), [loanId, tick]);
  return (
    <Async state={state}>
      {(data) => (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          scroll={{ x: true }}
          dataSource={data.items}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('common.id'), dataIndex: 'id', width: 60 },
            { title: t('common.date'), dataIndex: 'created_at', render: dateTime },
            { title: t('common.amount'), dataIndex: 'amount', align: 'right', render: money },
            { title: t('common.status'), dataIndex: 'status', render: (s: string) => <StatusTag prefix="loan.payStatus" status={s} /> },
            { title: t('sched.title'), dataIndex: 'applied', render: (a: Payment['applied']) => allocationText(a, t), responsive: ['sm'] },
          ]}
        />
      )}
    </Async>
  );
}

export function EventsTable({ loanId, tick, action }: { loanId: number | string; tick: number; action?: (event: LoanEvent) => ReactNode }) {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/loans/{id}/events', { path: { id: Number(loanId) }, signal }), [loanId, tick]);
  return (
    <Async state={state}>
      {(data) => (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          scroll={{ x: true }}
          dataSource={data.items}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('common.id'), dataIndex: 'id', width: 60 },
            { title: t('common.date'), dataIndex: 'date' },
            { title: t('loan.kind'), key: 'type', render: (_, e) => <>{e.event.type} {e.reversed && <Tag color="red">{t('loan.reversed')}</Tag>}</> },
            { title: t('common.amount'), key: 'amount', align: 'right', render: (_, e) => money(e.event.amount) },
            { title: t('sched.title'), dataIndex: 'allocation', render: (a: LoanEvent['allocation']) => allocationText(a, t), responsive: ['md'] },
            ...(action ? [{ title: t('common.actions'), key: 'action', render: (_: unknown, e: LoanEvent) => action(e) }] : []),
          ]}
        />
      )}
    </Async>
  );
}

export function LoanTabs({ loan, tick, extraTabs = [], eventAction }: {
  loan: Loan;
  tick: number;
  extraTabs?: { key: string; label: string; children: ReactNode }[];
  eventAction?: (event: LoanEvent) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Card size="small">
      <Tabs
        items={[
          { key: 'schedule', label: t('sched.title'), children: <LoanScheduleTable rows={loan.installments} /> },
          { key: 'payments', label: t('loan.payments'), children: <PaymentsTable loanId={loan.id} tick={tick} /> },
          { key: 'events', label: t('loan.events'), children: <EventsTable loanId={loan.id} tick={tick} action={eventAction} /> },
          ...extraTabs,
        ]}
      />
    </Card>
  );
}
