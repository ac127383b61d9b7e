import { Alert, App, Button, Card, Descriptions, Form, Input, Radio, Space, Tabs, Typography } from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, newIdempotencyKey } from '../../api';
import { Async } from '../../components/Async';
import { LoanScheduleTable } from '../../components/Finance';
import { LoanFacts } from '../../components/Loan';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AMOUNT_RE, money, toFen, twoPlaces } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Loan, Payment, PayoffQuote, RepaymentRequest } from '../../api-types';
import { LoanHistory } from './LoanHistory';
import { LoanStatement } from './LoanStatement';
import { useLoanRecords, type LoanRecords } from './useLoanRecords';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export default function LoanView() {
  const { id } = useParams();
  const { t } = useI18n();
  const [tick, setTick] = useState(0);
  const state = useApi((signal) => api.get('/loans/{id}', { path: { id: Number(id) }, signal }), [id, tick]);
  const loan = state.data;

  // While the money is on its way, look again every 1.5 s.
  useEffect(() => {
    if (loan?.status !== 'pending_disbursement') return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1500);
    return () => clearTimeout(timer);
  }, [loan]);

  return (
    <>
      <Typography.Title level={1}>{t('loan.title')}</Typography.Title>
      <Async state={state}>
        {(loan) => (
          <>
            <LoanFacts
              loan={loan}
              extra={loan.contract_id ? <Link to={`/app/contracts/${loan.contract_id}`} state={{ loanId: loan.id }}>{t('loan.contract')}</Link> : undefined}
            />
            {loan.status === 'pending_disbursement' && <Alert type="info" showIcon title={t('loan.disbursingNote')} style={{ marginBottom: 12 }} />}
            {loan.status === 'active' && <Repay loan={loan} onDone={() => setTick((n) => n + 1)} />}
            <LoanRecordTabs loan={loan} tick={tick} />
          </>
        )}
      </Async>
    </>
  );
}

/** The schedule, the history of payments and events, and the statement of what was paid. */
function LoanRecordTabs({ loan, tick }: { loan: Loan; tick: number }) {
  const { t } = useI18n();
  const records = useLoanRecords(loan.id, tick);
  const withRecords = (render: (data: LoanRecords) => ReactNode) => <Async state={records}>{render}</Async>;
  return (
    <Card size="small" data-testid="loan-records">
      <Tabs
        items={[
          { key: 'schedule', label: t('sched.title'), children: <LoanScheduleTable rows={loan.installments} /> },
          { key: 'history', label: t('loan.history'), children: withRecords((data) => <LoanHistory records={data} />) },
          { key: 'statement', label: t('statement.tab'), children: withRecords((data) => <LoanStatement loan={loan} records={data} />) },
        ]}
      />
    </Card>
  );
}

type Kind = 'repayment' | 'prepayment' | 'payoff';

function Repay({ loan, onDone }: { loan: Loan; onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ kind: Kind; amount: string; mode: string }>();
  const kind = Form.useWatch('kind', form) ?? 'repayment';
  const [quote, setQuote] = useState<PayoffQuote | null>(null);
  const [payment, setPayment] = useState<Payment | null>(null);
  const key = useRef(newIdempotencyKey());
  const quoteAction = useAction(() => api.get('/loans/{id}/payoff-quote', { path: { id: loan.id } }));
  const pay = useAction(async (body: RepaymentRequest) => {
    const answer = await api.post('/loans/{id}/repayments', { path: { id: loan.id }, body, idempotencyKey: key.current });
    key.current = newIdempotencyKey();
    // A payoff the credit balance covers closes the loan at once.
    if ('closed_from_credit' in answer) return 'closed_from_credit' as const;
    let current = answer;
    setPayment(current);
    for (let i = 0; i < 30 && current.status === 'pending'; i += 1) {
      await sleep(1000);
      current = await api.get('/payments/{id}', { path: { id: current.id } });
    }
    setPayment(current);
    return current;
  });

  const getQuote = async () => {
    const result = await quoteAction.run();
    if (result) {
      setQuote(result);
      if (form.getFieldValue('kind') === 'payoff') form.setFieldValue('amount', result.total);
    }
  };

  useEffect(() => {
    if (kind === 'repayment') form.setFieldValue('amount', toFen(loan.amount_due) > 0n ? loan.amount_due : '');
    if (kind === 'payoff') {
      if (quote) form.setFieldValue('amount', quote.total);
      else void getQuote();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, loan.amount_due]);

  const submit = async (values: { kind: Kind; amount: string; mode: string }) => {
    const body: RepaymentRequest = { amount: twoPlaces(values.amount), kind: values.kind };
    if (values.kind === 'prepayment') body.mode = values.mode as RepaymentRequest['mode'];
    const result = await pay.run(body);
    if (result === 'closed_from_credit') {
      message.success(t('loan.closedFromCredit'));
      setQuote(null);
      onDone();
    } else if (result?.status === 'succeeded') {
      message.success(t('loan.paymentDone'));
      setQuote(null);
      onDone();
    } else if (result?.status === 'failed') {
      onDone();
    }
  };

  return (
    <Card size="small" title={t('loan.repay')} data-testid="repay" className="no-print">
      {toFen(loan.amount_due) === 0n && <Typography.Paragraph type="secondary">{t('loan.nothingDue')}</Typography.Paragraph>}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={submit} initialValues={{ kind: 'repayment', mode: 'reduce_installment', amount: toFen(loan.amount_due) > 0n ? loan.amount_due : '' }}>
        <Form.Item label={t('loan.kind')} name="kind">
          <Radio.Group
            optionType="button"
            options={[
              { value: 'repayment', label: t('loan.repayDue') },
              { value: 'prepayment', label: t('loan.prepay') },
              { value: 'payoff', label: t('loan.payoff') },
            ]}
          />
        </Form.Item>
        <Form.Item
          label={t('loan.repayAmount')}
          name="amount"
          rules={[
            { required: true, message: t('common.required') },
            { pattern: AMOUNT_RE, message: t('calc.amountInvalid') },
            { validator: (_, v: string) => (!v || !AMOUNT_RE.test(v) || toFen(v) > 0n ? Promise.resolve() : Promise.reject(new Error(t('calc.amountInvalid')))) },
          ]}
        >
          <Input inputMode="decimal" readOnly={kind === 'payoff'} prefix="¥" />
        </Form.Item>
        {kind === 'prepayment' && (
          <Form.Item label={t('loan.mode')} name="mode">
            <Radio.Group
              options={[
                { value: 'reduce_installment', label: t('loan.mode.reduce_installment') },
                { value: 'reduce_term', label: t('loan.mode.reduce_term') },
              ]}
            />
          </Form.Item>
        )}
        <Space wrap>
          <Button type="primary" htmlType="submit" loading={pay.pending}>
            {t('loan.repay')}
          </Button>
          <Button onClick={() => void getQuote()} loading={quoteAction.pending}>
            {t('loan.quote')}
          </Button>
        </Space>
      </Form>
      <ProblemAlert error={quoteAction.error} />
      <ProblemAlert error={pay.error} />
      {payment && (
        <Alert
          style={{ marginTop: 12 }}
          data-testid="payment-status"
          type={payment.status === 'succeeded' ? 'success' : payment.status === 'failed' ? 'error' : 'info'}
          showIcon
          title={
            payment.status === 'succeeded'
              ? `${t('loan.paymentDone')} ${money(payment.amount)}`
              : payment.status === 'failed'
                ? t('loan.paymentFailed', { code: payment.failure_code ?? '' })
                : t('loan.paymentSent')
          }
        />
      )}
      {quote && (
        <Descriptions size="small" column={{ xs: 2, sm: 4 }} title={`${t('loan.quote')} · ${quote.date}`} style={{ marginTop: 12 }} data-testid="quote">
          <Descriptions.Item label={t('sched.principal')}>{money(quote.principal)}</Descriptions.Item>
          <Descriptions.Item label={t('sched.interest')}>{money(quote.interest)}</Descriptions.Item>
          <Descriptions.Item label={t('sched.fee')}>{money(quote.fee)}</Descriptions.Item>
          <Descriptions.Item label={t('sched.penalty')}>{money(quote.penalty)}</Descriptions.Item>
          <Descriptions.Item label={t('loan.prepaymentFee')}>{money(quote.prepayment_fee)}</Descriptions.Item>
          <Descriptions.Item label={t('loan.creditApplied')}>{money(quote.credit_applied)}</Descriptions.Item>
          <Descriptions.Item label={t('loan.total')}>
            <strong>{money(quote.total)}</strong>
          </Descriptions.Item>
        </Descriptions>
      )}
    </Card>
  );
}
