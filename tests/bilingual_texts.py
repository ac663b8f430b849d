"""Swedish and English texts for comparing embeddings: questions, statements, a statute, odd characters."""
TEXTS = [
    "Vilka risker möter kvinnor som återvänder till Afghanistan?",
    "What risks do women returning to Afghanistan face?",
    "Migrationsöverdomstolen fann att sökanden inte gjort sannolikt att han riskerade förföljelse på grund av sin sexuella läggning.",
    "Kvinnor i Somalia utsätts för könsstympning och tvångsäktenskap; statens skydd är i praktiken obefintligt.",
    "The Taliban have reimposed restrictions on women's education and freedom of movement since August 2021.",
    "Säkerhetsläget i Mogadishu är fortsatt allvarligt med återkommande attacker av al-Shabaab.",
    "Hur bedöms trovärdigheten när sökanden saknar id-handlingar?",
    "Internal flight alternative: relocation to Kabul is not considered reasonable for single women.",
    "Enligt 4 kap. 1 § utlänningslagen (2005:716) avses med flykting en utlänning som befinner sig utanför det land som utlänningen är medborgare i.",
    "ÅÄÖ åäö: Öresund, Älvsbyn, Åre – ”citat” och «guillemets»\tflik\r\nny rad  dubbla  mellanslag",
]
