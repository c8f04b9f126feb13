import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('renders the sign-in page', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    // The app was wired and started: its sign-in page, titled from the
    // configuration, offers the guest provider.
    expect(
      await screen.findByRole('button', { name: 'Enter' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/Enter as a Guest User/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Test' })).toBeInTheDocument();
  });
});
