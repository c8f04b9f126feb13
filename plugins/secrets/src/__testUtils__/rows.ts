import { screen } from '@testing-library/react';

/** The table row of a secret, found by its name. */
export async function row(name: string) {
  const cell = await screen.findByText(name, { selector: 'div' });
  return cell.closest('tr') as HTMLElement;
}

/** The same, synchronously: rows are re-created when the list refreshes. */
export function getRow(name: string) {
  return screen
    .getByText(name, { selector: 'div' })
    .closest('tr') as HTMLElement;
}
