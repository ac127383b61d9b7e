import { List, Space, Tag, Typography } from 'antd';
import { StatusTag } from '../../components/Finance';
import { allocationText } from '../../components/Loan';
import { dateTime, money } from '../../format';
import { useI18n, useLabel } from '../../i18n';
import type { LoanEvent, Payment } from '../../api-types';
import type { LoanRecords } from './useLoanRecords';

/** One line of the history: a payment with the loan event it produced, or an event no payment caused (a write-off). */
interface HistoryEntry {
  key: string;
  /** Newest first by this: the payment's time, or the event's value date. */
  sortKey: string;
  kind: string;
  amount: string;
  payment?: Payment;
  event?: LoanEvent;
}

function historyEntries({ payments, events }: LoanRecords): HistoryEntry[] {
  const fromPayments = payments.map((payment): HistoryEntry => ({
    key: `p${payment.id}`,
    sortKey: payment.created_at,
    kind: payment.purpose || payment.direction,
    amount: payment.amount,
    payment,
    event: events.find((event) => event.payment_id === payment.id),
  }));
  const withoutPayment = events
    .filter((event) => event.payment_id === null || !payments.some((payment) => payment.id === event.payment_id))
    .map((event): HistoryEntry => ({ key: `e${event.id}`, sortKey: event.date, kind: event.event.type, amount: event.event.amount ?? '0.00', event }));
  return [...fromPayments, ...withoutPayment].sort((a, b) => b.sortKey.localeCompare(a.sortKey));
}

function EntryDetails({ entry }: { entry: HistoryEntry }) {
  const { t } = useI18n();
  const label = useLabel();
  const { payment, event } = entry;
  const split = allocationText(payment?.applied ?? event?.allocation, t);
  return (
    <Space orientation="vertical" size={2}>
      <Space wrap size={4}>
        {payment && <StatusTag prefix="loan.payStatus" status={payment.status} testId="history-status" />}
        {event?.reversed && <Tag color="red">{t('loan.reversed')}</Tag>}
        {payment && <Typography.Text type="secondary">{dateTime(payment.created_at)}</Typography.Text>}
        {event && <Typography.Text type="secondary">{t('history.valueDate', { date: event.date })}</Typography.Text>}
      </Space>
      {payment?.failure_code && <Typography.Text type="danger">{label('payment.failure', payment.failure_code)}</Typography.Text>}
      {split && <Typography.Text>{split}</Typography.Text>}
    </Space>
  );
}

/** The loan's payments and events, newest first. */
export function LoanHistory({ records }: { records: LoanRecords }) {
  const { t } = useI18n();
  const label = useLabel();
  return (
    <List<HistoryEntry>
      data-testid="loan-history"
      dataSource={historyEntries(records)}
      locale={{ emptyText: t('history.empty') }}
      renderItem={(entry) => (
        <List.Item key={entry.key} actions={[<Typography.Text key="amount" strong>{money(entry.amount)}</Typography.Text>]}>
          <List.Item.Meta title={label('history.kind', entry.kind)} description={<EntryDetails entry={entry} />} />
        </List.Item>
      )}
    />
  );
}
