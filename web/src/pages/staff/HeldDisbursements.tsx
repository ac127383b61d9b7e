// Disbursements the policy holds (docs/disbursement-policy.md): why each
// waits, the policy in force, the approvals given, and the approval or
// rejection a member of staff may give. The server decides who may (the
// policy's roles, never the maker) and sends the money in the same request
// when the last approval arrives.
import { App, Button, Card, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, newIdempotencyKey } from '../../api';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime, money } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n, type T } from '../../i18n';
import type { HeldDisbursement } from '../../api-types';
import type { Key } from '../../messages';

interface Reason {
  code: string;
  until?: number;
  have?: number;
  need?: number;
  outcome?: string;
  needed_fen?: number;
  available_fen?: number | null;
  product_code?: string;
  max_fen?: number;
}

const fen = (n: number | null | undefined) => (n == null ? '—' : money((n / 100).toFixed(2)));

/** One reason as a sentence; an unknown code shows as itself. */
export function reasonText(t: T, reason: Reason): string {
  const key = `held.reason.${reason.code}` as Key;
  return t(key, {
    until: reason.until ? dateTime(new Date(reason.until * 1000).toISOString()) : '',
    have: reason.have ?? 0,
    need: reason.need ?? 0,
    outcome: reason.outcome ?? '',
    needed: fen(reason.needed_fen),
    available: fen(reason.available_fen),
    product: reason.product_code ?? '',
    max: fen(reason.max_fen),
  });
}

function reasonsOf(held: HeldDisbursement): Reason[] {
  const outcome = (held.evaluation as { outcome?: { reasons?: Reason[] } } | null)?.outcome;
  return Array.isArray(outcome?.reasons) ? outcome.reasons : [];
}

export default function HeldDisbursements() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const state = useApi((signal) => api.get('/disbursements/held', { signal }), []);
  const [deciding, setDeciding] = useState<{ paymentId: number; decision: 'approve' | 'reject' } | null>(null);
  const [comment, setComment] = useState('');
  const key = useRef(newIdempotencyKey());
  const decide = useAction(async (paymentId: number, decision: 'approve' | 'reject') => {
    await api.post('/disbursements/{payment_id}/approvals', {
      path: { payment_id: paymentId },
      body: { decision, comment: comment.trim() || null },
      idempotencyKey: key.current,
    });
    return true;
  });
  const open = (paymentId: number, decision: 'approve' | 'reject') => {
    key.current = newIdempotencyKey();
    setComment('');
    decide.clearError();
    setDeciding({ paymentId, decision });
  };
  const submit = async () => {
    if (!deciding) return;
    if (await decide.run(deciding.paymentId, deciding.decision)) {
      message.success(t(deciding.decision === 'approve' ? 'held.approved' : 'held.rejected'));
      setDeciding(null);
      state.reload();
    }
  };
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('nav.held')}
      </Typography.Title>
      <p>{t('held.explain')}</p>
      <Card size="small">
        <Async state={state}>
          {(page) => (
            <Table<HeldDisbursement>
              size="small"
              rowKey={(h) => h.payment.id}
              scroll={{ x: true }}
              dataSource={page.items}
              locale={{ emptyText: t('held.none') }}
              data-testid="held-table"
              columns={[
                { title: t('held.payment'), render: (_, h) => `#${h.payment.id}` },
                { title: t('loan.title'), render: (_, h) => <Link to={`/staff/loans/${h.payment.loan_id}`}>#{h.payment.loan_id}</Link> },
                { title: t('held.amount'), render: (_, h) => money(h.payment.amount) },
                {
                  title: t('held.reasons'),
                  render: (_, h) => (
                    <Space orientation="vertical" size={2} data-testid="held-reasons">
                      {reasonsOf(h).map((r, i) => (
                        <span key={i}>{reasonText(t, r)}</span>
                      ))}
                    </Space>
                  ),
                },
                {
                  title: t('held.approvals'),
                  render: (_, h) => (
                    <Space orientation="vertical" size={2}>
                      {h.approvals.map((a, i) => (
                        <span key={i}>
                          <Tag color={a.decision === 'approve' ? 'green' : 'red'}>{t(a.decision === 'approve' ? 'held.approve' : 'held.reject')}</Tag>
                          {t('held.by', { id: a.staff_id })} · {dateTime(a.at)}
                        </span>
                      ))}
                      {h.approvals_needed > 0 && <span data-testid="approvals-needed">{t('held.stillNeeded', { n: h.approvals_needed })}</span>}
                    </Space>
                  ),
                },
                {
                  title: t('common.actions'),
                  render: (_, h) => (
                    <Space>
                      <Button size="small" type="primary" onClick={() => open(h.payment.id, 'approve')}>
                        {t('held.approve')}
                      </Button>
                      <Button size="small" danger onClick={() => open(h.payment.id, 'reject')}>
                        {t('held.reject')}
                      </Button>
                    </Space>
                  ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
      <Modal
        open={deciding !== null}
        title={deciding ? t(deciding.decision === 'approve' ? 'held.confirmApprove' : 'held.confirmReject', { id: deciding.paymentId }) : ''}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: deciding?.decision === 'reject', loading: decide.pending }}
        onOk={() => void submit()}
        onCancel={() => setDeciding(null)}
      >
        <ProblemAlert error={decide.error} />
        <Input.TextArea rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} placeholder={t('held.comment')} aria-label={t('held.comment')} />
      </Modal>
    </>
  );
}
