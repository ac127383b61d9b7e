import { Spin } from 'antd';
import type { ReactNode } from 'react';
import type { AsyncState } from '../hooks';
import { useI18n } from '../i18n';
import { ProblemAlert } from './ProblemAlert';

/** Loading spinner, then the error with a retry, then the content. */
export function Async<T>({ state, children }: { state: AsyncState<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (state.error) return <ProblemAlert error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) {
    return (
      <div style={{ padding: 48, textAlign: 'center' }} aria-busy="true">
        <Spin description={t('common.loading')} />
      </div>
    );
  }
  return <>{children(state.data)}</>;
}

export function PageSpinner() {
  return (
    <div style={{ padding: 64, textAlign: 'center' }} aria-busy="true">
      <Spin />
    </div>
  );
}
