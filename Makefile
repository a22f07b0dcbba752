# Extra arguments: make test ARGS="-m 'not integration'"   make demo ARGS="..."
.PHONY: test demo bench bootstrap

test:
	bash scripts/test.sh $(ARGS)

demo:
	bash scripts/demo.sh $(ARGS)

bench:
	bash scripts/bench.sh $(ARGS)

bootstrap:
	bash scripts/bootstrap.sh
