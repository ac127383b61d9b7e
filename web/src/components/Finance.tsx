import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { money } from '../format';
import { useI18n, useLabel } from '../i18n';
import type { Apr, Installment, LoanInstallment, Reason } from '../api-types';

/**
 * The APR, shown as the most prominent rate on any page that shows a rate
 * (never smaller than a daily or monthly rate next to it).
 */
export function AprFigure({ apr, size = 32 }: { apr: Pick<Apr, 'nominal_percent'> & Partial<Apr>; size?: number }) {
  const { t } = useI18n();
  return (
    <div data-testid="apr" style={{ margin: '8px 0' }}>
      <div style={{ fontSize: 14, color: 'rgba(0,0,0,0.65)' }}>{t('apr.label')}</div>
      <div style={{ fontSize: size, fontWeight: 700, color: '#cf1322', lineHeight: 1.2 }}>{apr.nominal_percent}</div>
      {apr.effective_percent && (
        <div style={{ fontSize: 13, color: 'rgba(0,0,0,0.55)' }}>
          {t('apr.effective')} {apr.effective_percent}
        </div>
      )}
    </div>
  );
}

export function ScheduleTable({ rows }: { rows: Installment[] }) {
  const { t } = useI18n();
  const showFee = rows.some((row) => row.fee && Number(row.fee) !== 0);
  const columns: ColumnsType<Installment> = [
    { title: t('sched.number'), dataIndex: 'number', width: 56 },
    { title: t('sched.dueDate'), dataIndex: 'due_date' },
    { title: t('sched.payment'), dataIndex: 'payment', align: 'right', render: money },
    { title: t('sched.principal'), dataIndex: 'principal', align: 'right', render: money, responsive: ['sm'] },
    { title: t('sched.interest'), dataIndex: 'interest', align: 'right', render: money },
    ...(showFee ? [{ title: t('sched.fee'), dataIndex: 'fee', align: 'right' as const, render: money }] : []),
    { title: t('sched.balance'), dataIndex: 'balance_after', align: 'right', render: money, responsive: ['md'] },
  ];
  return <Table size="small" rowKey="number" columns={columns} dataSource={rows} pagination={false} scroll={{ x: true }} />;
}

export function LoanScheduleTable({ rows }: { rows: LoanInstallment[] }) {
  const { t } = useI18n();
  const label = useLabel();
  const color: Record<string, string> = { paid: 'green', due: 'orange', overdue: 'red', pending: 'default' };
  const columns: ColumnsType<LoanInstallment> = [
    { title: t('sched.number'), dataIndex: 'number', width: 56 },
    { title: t('sched.dueDate'), dataIndex: 'due_date' },
    { title: t('sched.principal'), dataIndex: 'principal', align: 'right', render: money, responsive: ['sm'] },
    { title: t('sched.interest'), dataIndex: 'interest', align: 'right', render: money, responsive: ['sm'] },
    { title: t('sched.penalty'), dataIndex: 'penalty', align: 'right', render: money, responsive: ['md'] },
    { title: t('sched.paid'), dataIndex: 'paid', align: 'right', render: money, responsive: ['md'] },
    { title: t('sched.outstanding'), dataIndex: 'outstanding', align: 'right', render: money },
    {
      title: t('common.status'),
      dataIndex: 'status',
      render: (status: string) => <Tag color={color[status]}>{label('loan.inst', status)}</Tag>,
    },
  ];
  return <Table size="small" rowKey="number" columns={columns} dataSource={rows} pagination={false} scroll={{ x: true }} />;
}

export function Reasons({ reasons }: { reasons: Reason[] }) {
  const { pick } = useI18n();
  if (!reasons.length) return null;
  return (
    <ul data-testid="reasons" style={{ paddingInlineStart: 20, margin: '4px 0' }}>
      {reasons.map((reason) => (
        <li key={reason.code}>{pick(reason.text_zh, reason.text_en) || reason.code}</li>
      ))}
    </ul>
  );
}

const STATUS_COLORS: Record<string, string> = {
  approved: 'green',
  accepted: 'blue',
  declined: 'red',
  referred: 'orange',
  active: 'blue',
  paid_off: 'green',
  pending_disbursement: 'processing',
  disbursement_failed: 'red',
  written_off: 'default',
  verified: 'green',
  rejected: 'red',
  pending: 'orange',
  succeeded: 'green',
  failed: 'red',
};

export function StatusTag({ prefix, status, testId = 'status' }: { prefix: string; status: string; testId?: string }) {
  const label = useLabel();
  return (
    <Tag color={STATUS_COLORS[status] ?? 'default'} data-testid={testId}>
      {label(prefix, status)}
    </Tag>
  );
}
