target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/connection_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/database.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kek.cpp
  ${CMAKE_CURRENT_LIST_DIR}/postgres_database.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_database.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store.cpp
)
