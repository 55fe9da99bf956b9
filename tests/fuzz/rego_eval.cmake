coco_add_fuzzer(rego_eval)
