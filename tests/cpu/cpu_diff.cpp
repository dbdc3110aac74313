// Placeholder replaced by the differential tester.
int main() { return 0; }
