import { Alert, App, Button, Card, Checkbox, Descriptions, Space, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, newIdempotencyKey } from '../../api';
import { Async } from '../../components/Async';
import { AprFigure, Reasons, ScheduleTable, StatusTag } from '../../components/Finance';
import { LinkButton } from '../../components/LinkButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime, money, sumMoney, toFen } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Application } from '../../api-types';

export const TERMS_VERSION = '2026-11';

export default function ApplicationView() {
  const { id } = useParams();
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/applications/{id}', { path: { id: Number(id) }, signal }), [id]);
  return (
    <>
      <Typography.Title level={1}>
        {t('app.decisionTitle')} #{id}
      </Typography.Title>
      <Async state={state}>{(application) => <Body application={application} />}</Async>
    </>
  );
}

function Body({ application }: { application: Application }) {
  const { t } = useI18n();
  const decision = application.decision;
  return (
    <>
      <Card size="small" data-testid="decision">
        <Space wrap style={{ marginBottom: 8 }}>
          <StatusTag prefix="app.status" status={application.status} />
          <span>
            {application.product_code} · {money(application.amount)} · {t('contract.months', { n: application.term_months })} · {t(`method.${application.method}`)}
          </span>
        </Space>
        {decision && (
          <Descriptions size="small" column={{ xs: 1, sm: 2, md: 4 }}>
            <Descriptions.Item label={t('app.score')}>{decision.score}</Descriptions.Item>
            <Descriptions.Item label={t('app.grade')}>{decision.grade}</Descriptions.Item>
            {decision.approved_amount && <Descriptions.Item label={t('app.approvedAmount')}>{money(decision.approved_amount)}</Descriptions.Item>}
            <Descriptions.Item label={t('app.created')}>{dateTime(application.created_at)}</Descriptions.Item>
          </Descriptions>
        )}
        {application.status === 'declined' && <Alert type="error" showIcon title={t('app.declinedNote')} />}
        {application.status === 'referred' && <Alert type="info" showIcon title={t('app.referredNote')} />}
        {decision && decision.reasons.length > 0 && (
          <div style={{ marginTop: 8 }}>
            <strong>{t('app.reasons')}</strong>
            <Reasons reasons={decision.reasons} />
          </div>
        )}
        {application.underwriting && (
          <Alert
            style={{ marginTop: 8 }}
            type="info"
            title={t('app.underwriting')}
            description={`${application.underwriting.decision} · ${application.underwriting.comment} · ${dateTime(application.underwriting.at)}`}
          />
        )}
        <Space style={{ marginTop: 12 }} wrap>
          {application.contract_id && (
            <LinkButton to={`/app/contracts/${application.contract_id}`} state={{ loanId: application.loan_id }}>{t('loan.contract')}</LinkButton>
          )}
          {application.loan_id && (
            <LinkButton to={`/app/loans/${application.loan_id}`} type="primary">{t('app.viewLoan')}</LinkButton>
          )}
        </Space>
      </Card>
      {application.status === 'approved' && <Accept application={application} />}
    </>
  );
}

/** The contract before signing: the APR first and largest, then the schedule and the terms. */
function Accept({ application }: { application: Application }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [agree, setAgree] = useState(false);
  const [touched, setTouched] = useState(false);
  const key = useRef(newIdempotencyKey());
  const offer = application.decision?.offer;
  const accept = useAction(() =>
    api.post('/applications/{id}/accept', {
      path: { id: application.id },
      body: { agree: true, terms_version: TERMS_VERSION },
      idempotencyKey: key.current,
    }),
  );
  if (!offer) return <Alert type="warning" title={t('contract.noOffer')} />;

  const sign = async () => {
    setTouched(true);
    if (!agree) return;
    const result = await accept.run();
    if (result) {
      message.success(t('contract.signed'));
      navigate(`/app/loans/${result.loan.id}`);
    }
  };

  const totalInterest = sumMoney(offer.schedule.map((row) => row.interest));
  return (
    <Card size="small" title={t('contract.preTitle')} data-testid="pre-contract">
      <AprFigure apr={offer.apr} size={36} />
      <div className="figure-row" style={{ marginBottom: 12 }}>
        <div>
          <div className="figure-label">{t('contract.amount')}</div>
          <div className="figure-value">{money(offer.amount)}</div>
        </div>
        <div>
          <div className="figure-label">{t('contract.term')}</div>
          <div className="figure-value">{t('contract.months', { n: offer.term_months })}</div>
        </div>
        <div>
          <div className="figure-label">{t('calc.method')}</div>
          <div className="figure-value">{t(`method.${offer.method}`)}</div>
        </div>
        <div>
          <div className="figure-label">{t('calc.totalInterest')}</div>
          <div className="figure-value">{money(totalInterest)}</div>
        </div>
        <div>
          <div className="figure-label">{t('app.annualRate')}</div>
          <div style={{ fontSize: 14 }}>{offer.annual_rate.percent}</div>
        </div>
        {offer.upfront_fee && toFen(offer.upfront_fee) > 0n && (
          <div>
            <div className="figure-label">{t('calc.upfrontFee')}</div>
            <div style={{ fontSize: 14 }}>{money(offer.upfront_fee)}</div>
          </div>
        )}
      </div>
      <ScheduleTable rows={offer.schedule} />
      <Typography.Title level={2} style={{ fontSize: 16, marginTop: 16 }}>
        {t('contract.clauses')}
      </Typography.Title>
      <ol style={{ paddingInlineStart: 20 }}>
        <li>{t('contract.clause1')}</li>
        <li>{t('contract.clause2')}</li>
        <li>{t('contract.clause3')}</li>
      </ol>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('apr.note')} · {t('contract.version')} {TERMS_VERSION}
      </Typography.Paragraph>
      <ProblemAlert error={accept.error} />
      <Checkbox checked={agree} onChange={(e) => setAgree(e.target.checked)} data-testid="agree">
        {t('contract.agree', { apr: offer.apr.nominal_percent })}
      </Checkbox>
      {touched && !agree && (
        <div role="alert" style={{ color: '#cf1322', marginTop: 4 }}>
          {t('contract.mustAgree')}
        </div>
      )}
      <Button type="primary" block size="large" style={{ marginTop: 12 }} loading={accept.pending} onClick={() => void sign()}>
        {t('contract.sign')}
      </Button>
    </Card>
  );
}
