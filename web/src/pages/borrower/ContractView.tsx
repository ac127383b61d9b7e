import { Card, Descriptions, Typography } from 'antd';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { AprFigure, ScheduleTable } from '../../components/Finance';
import { LogProof } from '../../components/LogProof';
import { dateTime, fractionPercent, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Contract } from '../../api-types';

/** A signed contract; the APR is the largest rate on the page. */
export function ContractBody({ contract, loanLink }: { contract: Contract; loanLink?: string }) {
  const { t } = useI18n();
  const document = contract.document;
  const cost = document.cost;
  return (
    <>
      <Card size="small" title={t('contract.keyFacts')} data-testid="contract">
        <AprFigure
          apr={{ nominal_percent: fractionPercent(cost.apr_nominal), effective_percent: fractionPercent(cost.apr_effective) }}
          size={36}
        />
        <div className="figure-row" style={{ marginBottom: 8 }}>
          <div>
            <div className="figure-label">{t('app.annualRate')}</div>
            <div style={{ fontSize: 14 }}>{fractionPercent(cost.annual_interest_rate)}</div>
          </div>
          {Number(cost.monthly_fee_rate) !== 0 && (
            <div>
              <div className="figure-label">{t('contract.monthlyFeeRate')}</div>
              <div style={{ fontSize: 14 }}>{fractionPercent(cost.monthly_fee_rate)}</div>
            </div>
          )}
        </div>
        <div className="figure-row">
          <div>
            <div className="figure-label">{t('calc.totalInterest')}</div>
            <div className="figure-value">{money(cost.total_interest)}</div>
          </div>
          <div>
            <div className="figure-label">{t('calc.totalFee')}</div>
            <div className="figure-value">{money(cost.total_fees)}</div>
          </div>
          <div>
            <div className="figure-label">{t('calc.totalPayment')}</div>
            <div className="figure-value">{money(cost.total_repayable)}</div>
          </div>
        </div>
      </Card>
      <Card size="small" title={t('sched.title')}>
        <ScheduleTable rows={document.schedule.map((row) => ({ ...row, number: row.n, balance_after: row.remaining }))} />
      </Card>
      <Card size="small" title={t('contract.clauses')}>
        <ol style={{ paddingInlineStart: 20 }}>
          <li>{t('contract.clause1')}</li>
          <li>{t('contract.clause2')}</li>
          <li>{t('contract.clause3')}</li>
        </ol>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('contract.version')}>{document.consents[0]?.terms_version ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('contract.signedAt')}>{dateTime(contract.signed_at)}</Descriptions.Item>
          <Descriptions.Item label={t('contract.digest')}>
            <code style={{ wordBreak: 'break-all', fontSize: 12 }}>{contract.digest}</code>
          </Descriptions.Item>
        </Descriptions>
        {loanLink && <Link to={loanLink}>{t('app.viewLoan')}</Link>}
      </Card>
      <LogProof contractId={contract.id} />
    </>
  );
}

export default function ContractView() {
  const { id } = useParams();
  const { t } = useI18n();
  const { state: from } = useLocation() as { state: { loanId?: number } | null };
  const state = useApi((signal) => api.get('/contracts/{id}', { path: { id: Number(id) }, signal }), [id]);
  return (
    <>
      <Typography.Title level={1}>
        {t('contract.title')} #{id}
      </Typography.Title>
      <Async state={state}>{(contract) => <ContractBody contract={contract} loanLink={from?.loanId ? `/app/loans/${from.loanId}` : undefined} />}</Async>
    </>
  );
}
