import { Button, Result } from 'antd';
import { Component, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { ProblemAlert } from './ProblemAlert';

interface State {
  error: unknown;
}

class Boundary extends Component<{ children: ReactNode; title: string; reload: string; hint: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  componentDidCatch(error: unknown) {
    console.error('UI error', error);
  }

  render() {
    if (this.state.error) {
      return (
        <Result
          status="error"
          title={this.props.title}
          subTitle={this.props.hint}
          extra={
            <>
              <ProblemAlert error={this.state.error} />
              <Button type="primary" onClick={() => window.location.reload()}>
                {this.props.reload}
              </Button>
            </>
          }
        />
      );
    }
    return this.props.children;
  }
}

/** Catches render errors (and failed lazy chunks) so a page never goes blank. */
export function ErrorBoundary({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Boundary title={t('error.title')} reload={t('error.reload')} hint={t('error.boundary')}>
      {children}
    </Boundary>
  );
}
