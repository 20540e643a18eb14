// Encodes GPP strings with the IAB's own library; see vectors.json.
globalThis.window = globalThis;
const { CmpApi } = require('@iabgpp/cmpapi');
const cases = [];
function enc(name, setup) {
  const api = new CmpApi(1, 1);
  setup(api);
  cases.push({ name, gpp: api.getGppString() });
}
enc('usnat opt-out sale', a => { a.setFieldValue('usnat', 'SaleOptOutNotice', 1); a.setFieldValue('usnat', 'SaleOptOut', 1); a.setFieldValue('usnat', 'SharingOptOut', 2); a.setFieldValue('usnat', 'TargetedAdvertisingOptOut', 2); });
enc('usnat no opt-out', a => { a.setFieldValue('usnat', 'SaleOptOut', 2); a.setFieldValue('usnat', 'SharingOptOut', 2); a.setFieldValue('usnat', 'TargetedAdvertisingOptOut', 2); });
enc('usca opt-out sharing', a => { a.setFieldValue('usca', 'SaleOptOut', 2); a.setFieldValue('usca', 'SharingOptOut', 1); });
enc('tcfeu analytics', a => { a.setFieldValue('tcfeuv2', 'PurposeConsents', [true,false,false,false,false,false,false,true,true,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false]); a.setFieldValue('tcfeuv2', 'CmpId', 10); a.setFieldValue('tcfeuv2', 'VendorListVersion', 50); a.setFieldValue('tcfeuv2', 'PolicyVersion', 4); });
console.log(JSON.stringify(cases));
