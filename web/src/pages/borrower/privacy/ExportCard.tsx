import { App, Button, Card, Space, Typography } from 'antd';
import { useState } from 'react';
import { download } from '../../../api';
import { useI18n } from '../../../i18n';
import type { ExportFormat } from '../../../api-types';
import { PasswordModal } from './PasswordModal';

/** Saves a blob under the name the server gave it. */
function save(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Everything Kredit holds about the borrower, as JSON or as a page, after the password. */
export function ExportCard({ onExported }: { onExported: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [format, setFormat] = useState<ExportFormat | null>(null);

  const run = async (password: string) => {
    if (!format) return;
    const file = await download('/me/data-export', { body: { password, format } });
    save(file.blob, file.filename);
    message.success(t('privacy.exported', { file: file.filename }));
    onExported();
  };

  return (
    <Card size="small" title={t('privacy.export')} data-testid="export">
      <Typography.Paragraph type="secondary">{t('privacy.exportIntro')}</Typography.Paragraph>
      <Space wrap>
        <Button type="primary" onClick={() => setFormat('json')}>
          {t('privacy.exportJson')}
        </Button>
        <Button onClick={() => setFormat('html')}>{t('privacy.exportHtml')}</Button>
      </Space>
      <PasswordModal
        open={format !== null}
        title={t('privacy.exportTitle', { format: format === 'html' ? 'HTML' : 'JSON' })}
        okText={t('privacy.exportConfirm')}
        onConfirm={run}
        onClose={() => setFormat(null)}
      />
    </Card>
  );
}
