import { Alert, Button, Card, Col, Collapse, Empty, Form, Input, InputNumber, Row, Select, Space, Switch, Typography } from 'antd';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, newIdempotencyKey } from '../../api';
import { AprFigure, Reasons } from '../../components/Finance';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AMOUNT_RE, money, twoPlaces } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { loadIdentity } from '../../identity';
import type { MatchResponse, Offer, Purpose, Questionnaire, Reason } from '../../api-types';

interface Values {
  amount: string;
  term_months: number;
  purpose: Purpose;
  monthly_income?: string;
  employment_years?: number;
  housing?: string;
  checking_account?: string;
  savings?: string;
  dependants?: number;
  has_guarantor?: boolean;
  property?: string;
}

function profileOf(values: Values): Questionnaire {
  const profile: Questionnaire = {};
  if (values.monthly_income) profile.monthly_income = twoPlaces(values.monthly_income);
  if (values.savings) profile.savings = twoPlaces(values.savings);
  for (const key of ['employment_years', 'dependants'] as const) {
    const value = values[key];
    if (value !== undefined && value !== null) profile[key] = value;
  }
  for (const key of ['housing', 'checking_account', 'property'] as const) {
    const value = values[key];
    if (value) profile[key] = value;
  }
  if (values.has_guarantor !== undefined) profile.has_guarantor = values.has_guarantor;
  return profile;
}

/** An offer with the product it is for. */
interface ProductOffer {
  product_code: string;
  product_name: string;
  offer: Offer;
}

/** What the match page shows: the priced offers, and why there are none. */
interface MatchResult {
  score?: number | null;
  grade?: string | null;
  offers: ProductOffer[];
  reasons: Reason[];
}

function matchResult(response: MatchResponse): MatchResult {
  const first = response.offers[0] ?? response.declined[0];
  const offers = response.offers.flatMap((item) =>
    item.offer ? [{ product_code: item.product_code, product_name: item.product_name, offer: item.offer }] : [],
  );
  const reasons = new Map<string, Reason>();
  if (offers.length === 0) for (const item of response.declined) for (const reason of item.reasons) reasons.set(reason.code, reason);
  return { score: first?.score, grade: first?.grade, offers, reasons: [...reasons.values()] };
}

export default function Apply() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const identity = useApi((signal) => loadIdentity(signal), []);
  const [request, setRequest] = useState<Values | null>(null);
  const match = useAction((values: Values) =>
    api
      .post('/products/match', { body: { amount: twoPlaces(values.amount), term_months: values.term_months, purpose: values.purpose } })
      .then(matchResult),
  );
  const [result, setResult] = useState<MatchResult | null>(null);
  const key = useRef(newIdempotencyKey());
  const apply = useAction(({ product_code, offer }: ProductOffer, values: Values) =>
    api.post('/applications', {
      body: {
        product_code,
        amount: offer.amount,
        term_months: offer.term_months,
        method: offer.method,
        purpose: values.purpose,
        profile: profileOf(values),
      },
      idempotencyKey: key.current,
    }),
  );

  const findOffers = async (values: Values) => {
    setResult(null);
    const found = await match.run(values);
    if (found) {
      setRequest(values);
      setResult(found);
    }
  };

  const choose = async (offer: ProductOffer) => {
    if (!request) return;
    const application = await apply.run(offer, request);
    if (application) {
      key.current = newIdempotencyKey();
      navigate(`/app/applications/${application.id}`, { state: { fresh: true } });
    }
  };

  const select = (prefix: string, values: string[]) =>
    values.map((value) => ({ value, label: t(`${prefix}.${value}` as Parameters<typeof t>[0]) }));

  return (
    <>
      <Typography.Title level={1}>{t('apply.title')}</Typography.Title>
      {identity.data === null && (
        <Alert
          type="warning"
          showIcon
          title={t('apply.needIdentity')}
          action={<Link to="/app/identity">{t('home.verifyNow')}</Link>}
          style={{ marginBottom: 12 }}
        />
      )}
      <Card size="small">
        <Form
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ amount: '20000', term_months: 12, purpose: 'consumer' }}
          onFinish={findOffers}
        >
          <Row gutter={12}>
            <Col xs={24} sm={10}>
              <Form.Item
                label={t('apply.amount')}
                name="amount"
                rules={[
                  { required: true, message: t('common.required') },
                  { pattern: AMOUNT_RE, message: t('calc.amountInvalid') },
                ]}
              >
                <Input inputMode="decimal" />
              </Form.Item>
            </Col>
            <Col xs={12} sm={7}>
              <Form.Item label={t('apply.term')} name="term_months" rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={1} max={360} precision={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={7}>
              <Form.Item label={t('apply.purpose')} name="purpose">
                <Select options={select('purpose', ['consumer', 'education', 'medical'])} />
              </Form.Item>
            </Col>
          </Row>
          <Collapse
            size="small"
            style={{ marginBottom: 12 }}
            items={[
              {
                key: 'profile',
                label: t('apply.profile'),
                forceRender: true,
                children: (
                  <Row gutter={12}>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.monthlyIncome')} name="monthly_income" rules={[{ pattern: AMOUNT_RE, message: t('calc.amountInvalid') }]}>
                        <Input inputMode="decimal" />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.employmentYears')} name="employment_years">
                        <InputNumber min={0} max={60} precision={0} style={{ width: '100%' }} />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.housing')} name="housing">
                        <Select allowClear options={select('apply.housing', ['own', 'rent', 'free'])} />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.checking')} name="checking_account">
                        <Select allowClear options={select('apply.checking', ['none', 'negative', 'low', 'high'])} />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.savings')} name="savings" rules={[{ pattern: AMOUNT_RE, message: t('calc.amountInvalid') }]}>
                        <Input inputMode="decimal" />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.dependants')} name="dependants">
                        <InputNumber min={0} max={20} precision={0} style={{ width: '100%' }} />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.property')} name="property">
                        <Select allowClear options={select('apply.property', ['real_estate', 'insurance', 'car', 'none'])} />
                      </Form.Item>
                    </Col>
                    <Col xs={12} sm={8}>
                      <Form.Item label={t('apply.guarantor')} name="has_guarantor" valuePropName="checked">
                        <Switch />
                      </Form.Item>
                    </Col>
                  </Row>
                ),
              },
            ]}
          />
          <Button type="primary" htmlType="submit" block loading={match.pending}>
            {t('apply.findOffers')}
          </Button>
        </Form>
      </Card>
      <ProblemAlert error={match.error} />
      <ProblemAlert error={apply.error} />
      {result && (
        <Card size="small" title={t('apply.offers')} extra={t('apply.scoreGrade', { score: result.score ?? '—', grade: result.grade ?? '—' })}>
          {result.reasons.length > 0 && (
            <Alert type="error" showIcon title={t('app.declinedNote')} description={<Reasons reasons={result.reasons} />} style={{ marginBottom: 12 }} />
          )}
          {result.offers.length === 0 ? (
            <Empty description={t('apply.noOffers')} />
          ) : (
            <Space direction="vertical" style={{ width: '100%' }}>
              {result.offers.map((choice, index) => {
                const offer = choice.offer;
                return (
                <Card key={`${choice.product_code}-${offer.method}-${index}`} size="small" type="inner" data-testid="offer"
                  title={`${choice.product_name || choice.product_code} · ${t(`method.${offer.method}`)}`}>
                  <AprFigure apr={offer.apr} size={28} />
                  <div className="figure-row">
                    <div>
                      <div className="figure-label">{t('contract.amount')}</div>
                      <div className="figure-value">{money(offer.amount)}</div>
                    </div>
                    <div>
                      <div className="figure-label">{t('contract.term')}</div>
                      <div className="figure-value">{t('contract.months', { n: offer.term_months })}</div>
                    </div>
                    <div>
                      <div className="figure-label">{t('calc.firstPayment')}</div>
                      <div className="figure-value">{money(offer.first_payment)}</div>
                    </div>
                    <div>
                      <div className="figure-label">{t('calc.totalPayment')}</div>
                      <div className="figure-value">{money(offer.totals.payment)}</div>
                    </div>
                    <div>
                      <div className="figure-label">{t('app.annualRate')}</div>
                      <div style={{ fontSize: 14 }}>{offer.annual_rate.percent}</div>
                    </div>
                  </div>
                  <Button type="primary" style={{ marginTop: 12 }} block loading={apply.pending} onClick={() => void choose(choice)}>
                    {t('apply.choose')}
                  </Button>
                </Card>
                );
              })}
            </Space>
          )}
        </Card>
      )}
    </>
  );
}
