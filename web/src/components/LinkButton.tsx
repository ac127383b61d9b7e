import { Button, type ButtonProps } from 'antd';
import { useNavigate } from 'react-router';

/** A button that navigates inside the app (no link wrapped around a button). */
export function LinkButton({ to, state, ...props }: ButtonProps & { to: string; state?: unknown }) {
  const navigate = useNavigate();
  return <Button {...props} onClick={() => navigate(to, { state })} />;
}
