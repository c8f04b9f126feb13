import IconButton from '@material-ui/core/IconButton';
import InputAdornment from '@material-ui/core/InputAdornment';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import Visibility from '@material-ui/icons/Visibility';
import VisibilityOff from '@material-ui/icons/VisibilityOff';
import type { SecretFormat } from '@backstage-secrets/plugin-secrets-common';
import { useState } from 'react';

const useStyles = makeStyles({
  // A textarea cannot be type="password"; this masks it the same way in
  // Chromium, Safari and Firefox (all support -webkit-text-security).
  masked: {
    '-webkit-text-security': 'disc',
  },
  value: {
    fontFamily: 'monospace',
  },
});

export type SecretValueFieldProps = {
  /** The secret's name, for the field's accessible label. */
  name: string;
  format: SecretFormat;
  value: string;
  onChange(value: string): void;
  /** Why the value is not acceptable, if it is not. */
  problem?: string;
  disabled?: boolean;
  label?: string;
};

/**
 * The masked input for a new value: a password field, or a masked multi-line
 * field for JSON, with a toggle to show it. Used by the admin dialog, the
 * "My secrets" dialog and the prompt, so a value is typed the same way
 * everywhere and kept away from password managers and spell checkers.
 */
export function SecretValueField(props: SecretValueFieldProps) {
  const { name, format, value, onChange, problem, disabled } = props;
  const classes = useStyles();
  const [showValue, setShowValue] = useState(false);
  const isJson = format === 'json';
  return (
    <TextField
      label={props.label ?? (isJson ? 'New value (JSON)' : 'New value')}
      value={value}
      onChange={event => onChange(event.target.value)}
      fullWidth
      required
      variant="outlined"
      multiline={isJson}
      minRows={isJson ? 8 : undefined}
      maxRows={isJson ? 20 : undefined}
      type={isJson || showValue ? 'text' : 'password'}
      error={!!problem}
      helperText={
        problem ??
        (isJson
          ? 'Paste the JSON document; it is checked before it is sent.'
          : undefined)
      }
      disabled={disabled}
      inputProps={{
        'aria-label': `New value of ${name}`,
        // Keep password managers and spell checkers away from it.
        autoComplete: 'new-password',
        spellCheck: false,
        autoCapitalize: 'off',
        autoCorrect: 'off',
        'data-lpignore': 'true',
        className: `${classes.value} ${
          isJson && !showValue ? classes.masked : ''
        }`,
      }}
      InputProps={{
        endAdornment: (
          <InputAdornment position="end">
            <IconButton
              aria-label={showValue ? 'Hide value' : 'Show value'}
              aria-pressed={showValue}
              onClick={() => setShowValue(shown => !shown)}
              edge="end"
            >
              {showValue ? <VisibilityOff /> : <Visibility />}
            </IconButton>
          </InputAdornment>
        ),
      }}
    />
  );
}
