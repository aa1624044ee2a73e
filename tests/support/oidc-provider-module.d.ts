// oidc-provider 8 ships no type declarations; the tests use it as a real OpenID provider on a loopback port.
declare module 'oidc-provider' {
  const Provider: any;
  export default Provider;
}
