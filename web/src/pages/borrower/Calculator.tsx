import { Button, Card, Col, Form, Input, InputNumber, Row, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import { AprFigure, ScheduleTable } from '../../components/Finance';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AMOUNT_RE, money, percentToFraction, twoPlaces } from '../../format';
import { useI18n } from '../../i18n';
import { METHODS, type CalculatorResult, type Method } from '../../api-types';

interface Values {
  principal: string;
  term_months: number;
  rate: string;
  method: Method;
  fee_rate?: string;
  upfront_fee?: string;
}

const RATE_RE = /^\d{1,2}(?:\.\d{1,4})?$/;

export default function Calculator() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const method = Form.useWatch('method', form);
  const [results, setResults] = useState<{ method: Method; result: CalculatorResult }[] | null>(null);
  const [selected, setSelected] = useState<Method>('equal-installment');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  // The flat-fee method charges a monthly fee on the principal instead of interest.
  const body = (values: Values, m: Method) => ({
    principal: twoPlaces(values.principal),
    term_months: values.term_months,
    annual_rate: m === 'flat-fee' ? '0' : percentToFraction(values.rate),
    method: m,
    ...(m === 'flat-fee' ? { monthly_fee_rate: percentToFraction(values.fee_rate || '0.6') } : {}),
    ...(values.upfront_fee ? { upfront_fee: twoPlaces(values.upfront_fee) } : {}),
  });

  const calculate = async (values: Values, all: boolean) => {
    setPending(true);
    setError(null);
    try {
      const methods = all ? METHODS : [values.method];
      const computed = await Promise.all(
        methods.map(async (m) => ({ method: m, result: await api.publicPost('/calculator', { body: body(values, m) }) })),
      );
      setResults(computed);
      setSelected(values.method);
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };

  const current = results?.find((r) => r.method === selected) ?? results?.[0];

  return (
    <>
      <Typography.Title level={1}>{t('calc.title')}</Typography.Title>
      <Card size="small">
        <Form
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ principal: '10000', term_months: 12, rate: '12', method: 'equal-installment', fee_rate: '0.6' }}
          onFinish={(values) => calculate(values, false)}
        >
          <Row gutter={12}>
            <Col xs={24} sm={12}>
              <Form.Item
                label={t('calc.principal')}
                name="principal"
                rules={[
                  { required: true, message: t('common.required') },
                  { pattern: AMOUNT_RE, message: t('calc.amountInvalid') },
                ]}
              >
                <Input inputMode="decimal" />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6}>
              <Form.Item label={t('calc.term')} name="term_months" rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={1} max={360} precision={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6}>
              <Form.Item
                label={t('calc.rate')}
                name="rate"
                hidden={method === 'flat-fee'}
                rules={[
                  { required: true, message: t('common.required') },
                  { pattern: RATE_RE, message: t('calc.rateInvalid') },
                ]}
              >
                <Input inputMode="decimal" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12}>
              <Form.Item label={t('calc.method')} name="method">
                <Select options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
              </Form.Item>
            </Col>
            {method === 'flat-fee' && (
              <Col xs={12} sm={6}>
                <Form.Item label={t('calc.feeRate')} name="fee_rate" rules={[{ pattern: RATE_RE, message: t('calc.rateInvalid') }]}>
                  <Input inputMode="decimal" />
                </Form.Item>
              </Col>
            )}
            <Col xs={12} sm={6}>
              <Form.Item label={t('calc.upfrontFee')} name="upfront_fee" rules={[{ pattern: AMOUNT_RE, message: t('calc.amountInvalid') }]}>
                <Input inputMode="decimal" />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={8}>
            <Col>
              <Button type="primary" htmlType="submit" loading={pending}>
                {t('calc.calculate')}
              </Button>
            </Col>
            <Col>
              <Button onClick={() => form.validateFields().then((values) => calculate(values, true))} disabled={pending}>
                {t('calc.compareAll')}
              </Button>
            </Col>
          </Row>
        </Form>
      </Card>
      <ProblemAlert error={error} />
      {results && results.length > 1 && (
        <Card size="small" title={t('calc.compareAll')}>
          <Table
            size="small"
            rowKey="method"
            pagination={false}
            scroll={{ x: true }}
            dataSource={results}
            rowSelection={{ type: 'radio', selectedRowKeys: [selected], onChange: (keys) => setSelected(keys[0] as Method) }}
            columns={[
              { title: t('calc.method'), dataIndex: 'method', render: (m: Method) => t(`method.${m}`) },
              { title: t('apr.label'), render: (_, r) => <strong style={{ color: '#cf1322' }}>{r.result.apr.nominal_percent}</strong> },
              { title: t('calc.firstPayment'), align: 'right', render: (_, r) => money(r.result.installments[0]?.payment) },
              { title: t('calc.totalInterest'), align: 'right', render: (_, r) => money(r.result.totals.interest) },
              { title: t('calc.totalPayment'), align: 'right', render: (_, r) => money(r.result.totals.payment) },
            ]}
          />
        </Card>
      )}
      {current && (
        <Card size="small" title={t(`method.${current.method}`)} data-testid="calc-result">
          <AprFigure apr={current.result.apr} />
          <div className="figure-row" style={{ marginBottom: 12 }}>
            <div>
              <div className="figure-label">{t('calc.firstPayment')}</div>
              <div className="figure-value">{money(current.result.installments[0]?.payment)}</div>
            </div>
            <div>
              <div className="figure-label">{t('calc.totalInterest')}</div>
              <div className="figure-value">{money(current.result.totals.interest)}</div>
            </div>
            <div>
              <div className="figure-label">{t('calc.totalFee')}</div>
              <div className="figure-value">{money(current.result.totals.fee)}</div>
            </div>
            <div>
              <div className="figure-label">{t('calc.totalPayment')}</div>
              <div className="figure-value">{money(current.result.totals.payment)}</div>
            </div>
          </div>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {t('apr.note')}
          </Typography.Paragraph>
          <ScheduleTable rows={current.result.installments} />
        </Card>
      )}
    </>
  );
}
