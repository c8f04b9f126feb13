export { PersonRef, PrincipalText } from './PersonRef';
