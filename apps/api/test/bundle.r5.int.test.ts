import '@fhir-bulk/test-support/src/r5-tenants';
import './bundle.int.test';
