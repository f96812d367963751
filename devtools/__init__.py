"""Development tools kept apart from the product: demo data, the city-scale data set, benchmarks
and the load test. Nothing in the product imports this package."""
