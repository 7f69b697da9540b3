import Provider from 'oidc-provider';
console.log(typeof Provider);
