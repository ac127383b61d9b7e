import { Card, Descriptions, Typography } from 'antd';
import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { AprFigure, ScheduleTable } from '../../components/Finance';
import { dateTime, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Contract } from '../../types';
import * as normalize from '../../normalize';

/** A signed contract; the APR is the largest rate on the page. */
export function ContractBody({ contract, loanLink }: { contract: Contract; loanLink?: string }) {
  const { t } = useI18n();
  const d = contract.disclosure;
  return (
    <>
      <Card size="small" title={t('contract.keyFacts')} data-testid="contract">
        <AprFigure apr={{ nominal_percent: d.apr_percent }} size={36} />
        <div className="figure-row" style={{ marginBottom: 8 }}>
          <div>
            <div className="figure-label">{t('app.annualRate')}</div>
            <div style={{ fontSize: 14 }}>{d.annual_rate_percent}</div>
          </div>
          <div>
            <div className="figure-label">{t('contract.monthlyRate')}</div>
            <div style={{ fontSize: 14 }}>{d.monthly_rate_percent}</div>
          </div>
          <div>
            <div className="figure-label">{t('contract.dailyRate')}</div>
            <div style={{ fontSize: 14 }}>{d.daily_rate_percent}</div>
          </div>
        </div>
        <div className="figure-row">
          <div>
            <div className="figure-label">{t('calc.totalInterest')}</div>
            <div className="figure-value">{money(d.total_interest)}</div>
          </div>
          <div>
            <div className="figure-label">{t('calc.totalFee')}</div>
            <div className="figure-value">{money(d.total_fees)}</div>
          </div>
          <div>
            <div className="figure-label">{t('calc.totalPayment')}</div>
            <div className="figure-value">{money(d.total_payment)}</div>
          </div>
        </div>
      </Card>
      <Card size="small" title={t('sched.title')}>
        <ScheduleTable rows={contract.schedule} />
      </Card>
      <Card size="small" title={t('contract.clauses')}>
        <ol style={{ paddingInlineStart: 20 }}>
          <li>{t('contract.clause1')}</li>
          <li>{t('contract.clause2')}</li>
          <li>{t('contract.clause3')}</li>
        </ol>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('contract.version')}>{contract.terms_version}</Descriptions.Item>
          <Descriptions.Item label={t('contract.signedAt')}>{dateTime(contract.signed_at)}</Descriptions.Item>
          <Descriptions.Item label={t('contract.digest')}>
            <code style={{ wordBreak: 'break-all', fontSize: 12 }}>{contract.digest}</code>
          </Descriptions.Item>
        </Descriptions>
        {loanLink && <Link to={loanLink}>{t('app.viewLoan')}</Link>}
      </Card>
    </>
  );
}

export default function ContractView() {
  const { id } = useParams();
  const { t } = useI18n();
  const state = useApi((signal) => api.get<unknown>(`/contracts/${id}`, signal).then(normalize.contract), [id]);
  return (
    <>
      <Typography.Title level={1}>
        {t('contract.title')} #{id}
      </Typography.Title>
      <Async state={state}>{(contract) => <ContractBody contract={contract} loanLink={contract.loan_id ? `/app/loans/${contract.loan_id}` : undefined} />}</Async>
    </>
  );
}
