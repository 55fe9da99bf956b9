coco_add_fuzzer(reference)
