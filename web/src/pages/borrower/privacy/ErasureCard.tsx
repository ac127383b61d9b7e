import { Alert, App, Button, Card, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, api } from '../../../api';
import { useI18n } from '../../../i18n';
import type { DataRightsRequest } from '../../../api-types';
import { PasswordModal } from './PasswordModal';

/** What erasure does and keeps, the request (password confirmed), and the open request once there is one. */
export function ErasureCard({ open, onRequested }: { open: DataRightsRequest | undefined; onRequested: (request: DataRightsRequest) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [asking, setAsking] = useState(false);

  const run = async (password: string) => {
    try {
      const request = await api.post('/me/erasure-requests', { body: { password } });
      message.success(t('privacy.eraseReceived', { id: request.id, due: request.due_on }));
      onRequested(request);
    } catch (reason) {
      // The server's text is English only: say it in the reader's language.
      if (reason instanceof ApiError && reason.code === 'loans_outstanding') {
        throw new ApiError(reason.status, { code: reason.code, title: t('error.title'), detail: t('privacy.eraseLoansOutstanding') });
      }
      throw reason;
    }
  };

  return (
    <Card size="small" title={t('privacy.erase')} data-testid="erasure">
      <Typography.Paragraph>{t('privacy.eraseIntro')}</Typography.Paragraph>
      <ul style={{ paddingInlineStart: 20, marginTop: 0 }}>
        <li>{t('privacy.eraseGone')}</li>
        <li>{t('privacy.eraseKept')}</li>
        <li>{t('privacy.eraseLoans')}</li>
      </ul>
      {open ? (
        <Alert type="info" showIcon title={t('privacy.eraseReceived', { id: open.id, due: open.due_on })} data-testid="erasure-open" />
      ) : (
        <Button danger onClick={() => setAsking(true)}>
          {t('privacy.eraseButton')}
        </Button>
      )}
      <PasswordModal open={asking} danger title={t('privacy.eraseTitle')} okText={t('privacy.eraseConfirm')} onConfirm={run} onClose={() => setAsking(false)}>
        <Alert type="warning" showIcon title={t('privacy.eraseGone')} style={{ marginBottom: 12 }} />
      </PasswordModal>
    </Card>
  );
}
