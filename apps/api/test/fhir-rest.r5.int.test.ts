import '@fhir-bulk/test-support/src/r5-tenants';
import './fhir-rest.int.test';
