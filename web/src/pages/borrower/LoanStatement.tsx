import { Button, Descriptions, Table, Typography } from 'antd';
import { dateTime, money, toFen } from '../../format';
import { useI18n } from '../../i18n';
import type { Key } from '../../messages';
import { paidTotals, type PaidComponent } from '../../statement';
import type { Loan } from '../../api-types';
import type { LoanRecords } from './useLoanRecords';

const COMPONENT_LABELS: Record<PaidComponent, Key> = {
  principal: 'sched.principal',
  interest: 'sched.interest',
  fee: 'sched.fee',
  penalty: 'sched.penalty',
  credit: 'statement.credit',
  suspense: 'statement.suspense',
};
/** Shown even when nothing was paid towards them. */
const ALWAYS_SHOWN: PaidComponent[] = ['principal', 'interest', 'fee', 'penalty'];

interface Row {
  component: PaidComponent;
  amount: string;
}

/** What has been paid so far, by component, from the confirmed collections; printable. */
export function LoanStatement({ loan, records }: { loan: Loan; records: LoanRecords }) {
  const { t } = useI18n();
  const totals = paidTotals(records.payments, records.events);
  const rows: Row[] = (Object.keys(COMPONENT_LABELS) as PaidComponent[])
    .map((component) => ({ component, amount: totals.byComponent[component] }))
    .filter((row) => ALWAYS_SHOWN.includes(row.component) || toFen(row.amount) !== 0n);
  return (
    <section data-testid="statement" aria-labelledby="statement-title">
      <Typography.Title level={2} id="statement-title" style={{ fontSize: 17 }}>
        {t('statement.title')}
      </Typography.Title>
      <Descriptions size="small" column={{ xs: 1, sm: 2 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label={t('statement.loan')}>#{loan.id} {loan.product_code}</Descriptions.Item>
        {loan.as_of && <Descriptions.Item label={t('statement.asOf')}>{loan.as_of}</Descriptions.Item>}
        <Descriptions.Item label={t('statement.generated')}>{dateTime(new Date().toISOString())}</Descriptions.Item>
        <Descriptions.Item label={t('loan.principal')}>{money(loan.principal)}</Descriptions.Item>
        <Descriptions.Item label={t('home.outstanding')}>{money(loan.outstanding_principal)}</Descriptions.Item>
        <Descriptions.Item label={t('loan.start')}>{loan.start_date}</Descriptions.Item>
        <Descriptions.Item label={t('loan.maturity')}>{loan.maturity_date}</Descriptions.Item>
        <Descriptions.Item label={t('statement.payments')}>{totals.payments}</Descriptions.Item>
      </Descriptions>
      <Table<Row>
        size="small"
        rowKey="component"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('statement.component'), dataIndex: 'component', render: (component: PaidComponent) => t(COMPONENT_LABELS[component]) },
          { title: t('statement.paid'), dataIndex: 'amount', align: 'right', render: money },
        ]}
        summary={() => (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0}>
              <strong>{t('statement.total')}</strong>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={1} align="right">
              <strong data-testid="statement-total">{money(totals.total)}</strong>
            </Table.Summary.Cell>
          </Table.Summary.Row>
        )}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, fontSize: 12 }}>
        {t('statement.note')}
      </Typography.Paragraph>
      <Button className="no-print" onClick={() => window.print()}>
        {t('statement.print')}
      </Button>
    </section>
  );
}
