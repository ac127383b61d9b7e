// A contract's place in the transparency log, for its borrower: the entry's
// index, the checkpoint it is proven against, a check run in this browser
// (logproof.ts, WebCrypto) and the proof to download and check anywhere
// with `kredit log verify --bundle proof.json --key K`.
import { Alert, Button, Card, Descriptions, Space } from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../api';
import type { ContractProof } from '../api-types';
import { useI18n } from '../i18n';
import { verifyProof, type Verdict } from '../logproof';

type Check = { state: 'idle' } | { state: 'running' } | { state: 'done'; verdict: Verdict } | { state: 'unavailable' };

async function logKey(): Promise<string> {
  const response = await fetch('/log/key');
  if (!response.ok) throw new ApiError(response.status, {});
  return (await response.text()).trim();
}

function download(proof: ContractProof, key: string, contractId: number) {
  const file = new Blob([JSON.stringify({ ...proof, log_key: key }, null, 2)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(file);
  link.download = `contract-${contractId}-proof.json`;
  link.click();
  URL.revokeObjectURL(link.href);
}

export function LogProof({ contractId }: { contractId: number }) {
  const { t } = useI18n();
  const [proof, setProof] = useState<{ proof: ContractProof; key: string } | null>(null);
  const [check, setCheck] = useState<Check>({ state: 'idle' });

  async function load(): Promise<{ proof: ContractProof; key: string } | null> {
    if (proof) return proof;
    try {
      const [loaded, key] = await Promise.all([api.get('/contracts/{id}/proof', { path: { id: contractId } }), logKey()]);
      const both = { proof: loaded, key };
      setProof(both);
      return both;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setCheck({ state: 'unavailable' });
        return null;
      }
      throw error;
    }
  }

  async function verify() {
    setCheck({ state: 'running' });
    const loaded = await load().catch(() => null);
    if (!loaded) {
      setCheck({ state: 'unavailable' });
      return;
    }
    const verdict = await verifyProof(loaded.proof, loaded.key, { kind: 'contract.signed', subject: `contract:${contractId}` }).catch(
      (): Verdict => ({ ok: false, reason: 'signature' }),
    );
    setCheck({ state: 'done', verdict });
  }

  async function save() {
    const loaded = await load().catch(() => null);
    if (loaded) download(loaded.proof, loaded.key, contractId);
  }

  return (
    <Card size="small" title={t('proof.title')} data-testid="log-proof">
      <p style={{ marginTop: 0 }}>{t('proof.explain')}</p>
      {proof && (
        <Descriptions size="small" column={1} style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t('proof.index')}>
            <span data-testid="log-index">{proof.proof.index}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('proof.treeSize')}>{proof.proof.tree_size}</Descriptions.Item>
        </Descriptions>
      )}
      <Space wrap>
        <Button type="primary" onClick={verify} loading={check.state === 'running'} data-testid="verify-proof">
          {t('proof.verify')}
        </Button>
        <Button onClick={save} data-testid="download-proof">
          {t('proof.download')}
        </Button>
      </Space>
      {check.state === 'unavailable' && <Alert style={{ marginTop: 12 }} type="info" title={t('proof.notYet')} />}
      {check.state === 'done' && check.verdict.ok && (
        <Alert
          style={{ marginTop: 12 }}
          type="success"
          data-testid="proof-verdict"
          title={t('proof.verified', { index: String(check.verdict.index), size: String(check.verdict.size) })}
          description={t('proof.verifiedDetail', { origin: check.verdict.origin })}
        />
      )}
      {check.state === 'done' && !check.verdict.ok && (
        <Alert style={{ marginTop: 12 }} type="error" data-testid="proof-verdict" title={t('proof.failed')} description={t(`proof.why.${check.verdict.reason}`)} />
      )}
      <p style={{ marginBottom: 0, marginTop: 12, fontSize: 12, color: '#666' }}>
        {t('proof.offline')}
        <br />
        <code style={{ wordBreak: 'break-all' }}>
          kredit log verify --bundle contract-{contractId}-proof.json --key "$(curl -s {window.location.origin}/log/key)"
        </code>
      </p>
    </Card>
  );
}
