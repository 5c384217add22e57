import ServiceTestSupport
import Testing

/// The PostgreSQL contract suites run on the server `make test` starts; CI (`REQUIRE_POSTGRES_TESTS=1`)
/// fails here when there is none, rather than passing with SQLite alone.
@Suite struct PostgresPresenceTests {
    @Test func thePostgreSQLSuitesRunWhenTheyMust() {
        #expect(
            !TestPostgres.isRequired || StoreKind.available.contains(.postgres),
            "REQUIRE_POSTGRES_TESTS=1 but TEST_POSTGRES_URL is not set: run the tests through scripts/with-test-postgres.sh (make test)")
    }
}
