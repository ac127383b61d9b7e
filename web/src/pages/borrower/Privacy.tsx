// 隐私与数据: the borrower's personal-information rights — consents, a copy
// of their data, correcting the phone number, erasure, and the requests on record.
import { Typography } from 'antd';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { ConsentsCard } from './privacy/ConsentsCard';
import { ErasureCard } from './privacy/ErasureCard';
import { ExportCard } from './privacy/ExportCard';
import { PhoneCard } from './privacy/PhoneCard';
import { RequestsCard } from './privacy/RequestsCard';

export default function Privacy() {
  const { t } = useI18n();
  const requests = useApi((signal) => api.get('/me/data-rights-requests', { signal }), []);
  const openErasure = requests.data?.requests.find((request) => request.kind === 'erasure' && request.status === 'received');
  return (
    <>
      <Typography.Title level={1}>{t('privacy.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('privacy.intro')}</Typography.Paragraph>
      <ConsentsCard onChanged={requests.reload} />
      <ExportCard onExported={requests.reload} />
      <PhoneCard onCorrected={requests.reload} />
      <ErasureCard
        open={openErasure}
        onRequested={(request) =>
          requests.data && !requests.data.requests.some((r) => r.id === request.id)
            ? requests.setData({ requests: [request, ...requests.data.requests] })
            : requests.reload()
        }
      />
      <RequestsCard state={requests} />
    </>
  );
}
