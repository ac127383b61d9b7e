import { Alert, Button } from 'antd';
import { ApiError } from '../api';
import { useI18n } from '../i18n';
import { dict, type Key } from '../messages';

/** The message key of a refusal the UI has words for: its code, or the
 * code of its one field problem. */
function known(error: ApiError): Key | null {
  const codes = [error.code, ...(error.errors.length === 1 ? [error.errors[0].code] : [])];
  const key = codes.map((code) => `problem.${code}`).find((candidate) => candidate in dict);
  return (key as Key | undefined) ?? null;
}

/** Shows an API problem: its detail and each field message; a retry button when given. */
export function ProblemAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  let message = t('error.title');
  let description: React.ReactNode = null;
  const translated = error instanceof ApiError ? known(error) : null;
  if (error instanceof ApiError) {
    if (error.status === 0) {
      description = t('error.network');
    } else if (translated) {
      // A refusal the UI knows says so in the reader's language.
      message = t(translated);
    } else {
      message = error.title || message;
      description = (
        <>
          {error.detail && <div>{error.detail}</div>}
          {error.errors.some((item) => item.message !== error.detail) && (
            <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }}>
              {error.errors.filter((item) => item.message !== error.detail).map((item, index) => (
                <li key={index}>{item.message}</li>
              ))}
            </ul>
          )}
        </>
      );
    }
  } else if (error instanceof Error) {
    description = error.message;
  }
  return (
    <Alert
      type="error"
      role="alert"
      showIcon
      title={message}
      description={description}
      action={onRetry ? <Button size="small" onClick={onRetry}>{t('common.retry')}</Button> : undefined}
      style={{ marginBottom: 16 }}
      data-testid="problem"
    />
  );
}
